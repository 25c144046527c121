/*
 * file-io: per request, write ?kib=N KiB (default 1024) to a new file in the
 * sandbox's /tmp in 64 KiB writes, fsync it, read it back and check every
 * byte, then remove it. All of that is the function's duration
 * (X-Function-Duration-Ns). /tmp is whatever the runtime gives the sandbox
 * (the host's /tmp for 'process', the rootfs's /tmp for OCI runtimes).
 *
 * Build: gcc -static -O2 -Wall -Wextra -Werror -I../common -o file-io file-io.c
 */
#define APP_NAME "file-io"
#include "httpd.h"

#define MAX_KIB (256L * 1024)
#define CHUNK (64 * 1024)

static unsigned char wbuf[CHUNK], rbuf[CHUNK];

static void fill(unsigned char *b, size_t n, unsigned long long seed)
{
    for (size_t i = 0; i < n; i++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        b[i] = (unsigned char)seed;
    }
}

/* Returns NULL on success, else what failed (errno says why). */
static const char *work(size_t len)
{
    char path[] = "/tmp/sandbench-file-io-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return "create a file in /tmp";
    const char *failed = NULL;
    for (size_t off = 0; off < len && !failed;) {
        size_t n = len - off < CHUNK ? len - off : CHUNK;
        ssize_t w = write(fd, wbuf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            failed = "write";
        else
            off += (size_t)w;
    }
    if (!failed && fsync(fd) < 0)
        failed = "fsync";
    if (!failed && lseek(fd, 0, SEEK_SET) < 0)
        failed = "seek";
    for (size_t off = 0; off < len && !failed;) {
        size_t want = len - off < CHUNK ? len - off : CHUNK;
        size_t got = 0;
        while (got < want && !failed) {
            ssize_t r = read(fd, rbuf + got, want - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                failed = r == 0 ? (errno = EIO, "read (file too short)") : "read";
            else
                got += (size_t)r;
        }
        if (!failed && memcmp(rbuf, wbuf, want) != 0)
            failed = (errno = EIO, "read back (bytes differ)");
        off += want;
    }
    int saved = errno;
    close(fd);
    unlink(path);
    errno = saved;
    return failed;
}

static void app_handle(const struct request *rq, struct response *rs)
{
    long kib;
    if (!app_param(rq, rs, "kib", 1024, 1, MAX_KIB, &kib))
        return;
    if (wbuf[0] == 0 && wbuf[1] == 0)
        fill(wbuf, sizeof wbuf, 0x2545F4914F6CDD1DULL);
    size_t len = (size_t)kib * 1024;
    long long t0 = now_ns();
    const char *failed = work(len);
    long long t1 = now_ns();
    if (failed) {
        app_text(rs, 500, "Internal Server Error", "file-io: %s failed: %s\n", failed, strerror(errno));
        return;
    }
    app_text(rs, 200, "OK", "wrote, synced and read back %ld KiB in /tmp\n", kib);
    app_timed(rs, t1 - t0);
}
