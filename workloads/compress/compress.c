/*
 * compress: deflate (zlib, level 6) a fixed pseudo-random but compressible
 * text buffer of ?kib=N KiB (default 64) per request; the time of the
 * compress2() call alone is the function's duration (X-Function-Duration-Ns).
 * The buffer is made once per size (seeded, so every run deflates the same
 * bytes) and kept; it is not part of the timed work.
 *
 * Build: gcc -static -O2 -Wall -Wextra -Werror -I../common -o compress compress.c -lz
 */
#define APP_NAME "compress"
#include "httpd.h"
#include <zlib.h>

#define MAX_KIB (64L * 1024)

static unsigned char *input, *output;
static size_t input_len;
static uLongf output_cap;

/* Words drawn by a fixed xorshift from a small vocabulary: text that
 * deflates to roughly a third, like logs or JSON, not like zeros. */
static int make_input(size_t len)
{
    static const char *const words[] = {
        "sandbox", "function", "request", "latency", "cold", "warm", "start",
        "runtime", "container", "kernel", "syscall", "memory", "page", "fault",
        "network", "namespace", "cgroup", "gateway", "response", "worker",
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "{", "}", ":", ",",
    };
    unsigned char *in = realloc(input, len);
    uLongf cap = compressBound(len);
    unsigned char *out = realloc(output, cap);
    if (in)
        input = in;
    if (out)
        output = out;
    if (!in || !out)
        return 0;
    unsigned long long x = 0x9E3779B97F4A7C15ULL;
    size_t i = 0;
    while (i < len) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const char *w = words[x % (sizeof words / sizeof *words)];
        for (; *w && i < len; w++)
            input[i++] = (unsigned char)*w;
        if (i < len)
            input[i++] = (x >> 32) % 11 == 0 ? '\n' : ' ';
    }
    input_len = len;
    output_cap = cap;
    return 1;
}

static void app_handle(const struct request *rq, struct response *rs)
{
    long kib;
    if (!app_param(rq, rs, "kib", 64, 1, MAX_KIB, &kib))
        return;
    size_t len = (size_t)kib * 1024;
    if (len != input_len && !make_input(len)) {
        input_len = 0;
        app_text(rs, 500, "Internal Server Error", "out of memory for %ld KiB\n", kib);
        return;
    }
    uLongf out_len = output_cap;
    long long t0 = now_ns();
    int rc = compress2(output, &out_len, input, input_len, 6);
    long long t1 = now_ns();
    if (rc != Z_OK) {
        app_text(rs, 500, "Internal Server Error", "deflate failed: zlib error %d\n", rc);
        return;
    }
    app_text(rs, 200, "OK", "deflated %zu bytes to %lu bytes (zlib %s, level 6)\n",
             input_len, (unsigned long)out_len, zlibVersion());
    app_timed(rs, t1 - t0);
}
