/*
 * syscall: what a sandbox adds to each system call (Sandbench's syscall workload).
 *
 * Runs each operation in a loop whose count is calibrated: the count doubles from 1
 * until one loop lasts at least the minimum time; then the loop of that count runs
 * REPS times more, and the fastest of those loops, divided by its count, is the figure
 * (ns per operation; the fastest, as lmbench reports, since on a shared host a loop can
 * only be slowed by preemption, never sped up). Then prints one line and exits 0:
 *
 *   sandbench-syscall v1 min_ns=N reps=R OP=NS/ITERATIONS OP=!REASON ...
 *
 * NS is a decimal with two places, ITERATIONS the loop count it rests on; an operation
 * the sandbox refuses is reported as !ERRNONAME and does not fail the run.
 *
 *   syscall [--min-ms N]    N: minimum milliseconds per operation (default 20)
 *
 * Operations:
 *   getpid         getpid() through glibc (not cached since glibc 2.25: a real call)
 *   getpid_raw     getpid through an inline 'syscall' instruction (no libc)
 *   clock_gettime  CLOCK_MONOTONIC through libc (vDSO where the kernel offers one)
 *   open_close     open(O_RDONLY) + close of this program's own binary
 *   stat           stat() of this program's own binary
 *   read_4k        pread of 4 KiB at offset 0 of a 4 KiB memfd (no disk, same in every runtime)
 *   write_4k       pwrite of 4 KiB at offset 0 of the same memfd
 *   pipe_pingpong  one byte there and back between two threads over two pipes (round trip)
 *   mmap_munmap    mmap of 4 KiB anonymous memory + munmap (not touched: no page fault)
 *   socket_close   socket(AF_INET, SOCK_STREAM) + close
 *   fork_wait      fork, the child _exits at once, waitpid
 *
 * Build: gcc -static -O2 -Wall -Wextra -Werror -o syscall syscall.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITERATIONS (1LL << 40)
#define REPS 3

static const char *self_path;
static int memfd = -1;
static char buf[4096];
static int ping[2], pong[2];
static char line[4096];
static size_t line_len;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void append(const char *s)
{
    size_t n = strlen(s);
    if (line_len + n < sizeof line) {
        memcpy(line + line_len, s, n);
        line_len += n;
    }
}

/* Each op runs n times and returns 0, or an errno at its first failure. */
typedef int (*op_fn)(long long n);

static int op_getpid(long long n)
{
    for (long long i = 0; i < n; i++)
        if (getpid() <= 0) return EINVAL;
    return 0;
}

static inline long raw_getpid(void)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_getpid) : "rcx", "r11", "memory");
    return ret;
}

static int op_getpid_raw(long long n)
{
    for (long long i = 0; i < n; i++)
        if (raw_getpid() <= 0) return EINVAL;
    return 0;
}

static int op_clock_gettime(long long n)
{
    struct timespec ts;
    for (long long i = 0; i < n; i++)
        if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return errno;
    return 0;
}

static int op_open_close(long long n)
{
    for (long long i = 0; i < n; i++) {
        int fd = open(self_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return errno;
        close(fd);
    }
    return 0;
}

static int op_stat(long long n)
{
    struct stat st;
    for (long long i = 0; i < n; i++)
        if (stat(self_path, &st) != 0) return errno;
    return 0;
}

static int op_read_4k(long long n)
{
    for (long long i = 0; i < n; i++)
        if (pread(memfd, buf, sizeof buf, 0) != (ssize_t)sizeof buf) return errno ? errno : EIO;
    return 0;
}

static int op_write_4k(long long n)
{
    for (long long i = 0; i < n; i++)
        if (pwrite(memfd, buf, sizeof buf, 0) != (ssize_t)sizeof buf) return errno ? errno : EIO;
    return 0;
}

static void *echo(void *arg)
{
    (void)arg;
    char c;
    while (read(ping[0], &c, 1) == 1)
        if (write(pong[1], &c, 1) != 1) break;
    return NULL;
}

static int op_pipe_pingpong(long long n)
{
    char c = 'x';
    for (long long i = 0; i < n; i++) {
        if (write(ping[1], &c, 1) != 1) return errno ? errno : EIO;
        if (read(pong[0], &c, 1) != 1) return errno ? errno : EIO;
    }
    return 0;
}

static int op_mmap_munmap(long long n)
{
    for (long long i = 0; i < n; i++) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return errno;
        if (munmap(p, 4096) != 0) return errno;
    }
    return 0;
}

static int op_socket_close(long long n)
{
    for (long long i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return errno;
        close(fd);
    }
    return 0;
}

static int op_fork_wait(long long n)
{
    for (long long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) return errno;
        if (pid == 0) _exit(0);
        int status;
        if (waitpid(pid, &status, 0) != pid) return errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return ECHILD;
    }
    return 0;
}

static void measure(const char *name, op_fn fn, int setup_err, long long min_ns)
{
    char item[160];
    int err = setup_err;
    long long n = 1, took = 0;
    if (!err) {
        err = fn(1); /* first call apart: page faults, lazy binding, caches */
        while (!err) {
            long long t0 = now_ns();
            err = fn(n);
            took = now_ns() - t0;
            if (err || took >= min_ns || n >= MAX_ITERATIONS) break;
            /* Aim past the minimum in one step when the last loop says how far it is. */
            long long next = took > 0 ? n * (min_ns / took + 1) : n * 2;
            n = next > n * 2 ? (next < n * 16 ? next : n * 16) : n * 2;
        }
        for (int r = 0; r < REPS && !err; r++) {
            long long t0 = now_ns();
            err = fn(n);
            long long t = now_ns() - t0;
            if (t < took) took = t;
        }
    }
    if (err) {
        const char *e = strerrorname_np(err);
        snprintf(item, sizeof item, " %s=!%s", name, e ? e : "EUNKNOWN");
    } else {
        long long centi = (took * 100 + n / 2) / n; /* ns with two places, rounded */
        snprintf(item, sizeof item, " %s=%lld.%02lld/%lld", name, centi / 100, centi % 100, n);
    }
    append(item);
}

int main(int argc, char **argv)
{
    long long min_ms = 20;
    self_path = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--min-ms") == 0 && i + 1 < argc) {
            char *end;
            min_ms = strtoll(argv[++i], &end, 10);
            if (*end || min_ms < 1 || min_ms > 60000) {
                fprintf(stderr, "syscall: --min-ms takes 1 to 60000\n");
                return 2;
            }
        } else {
            fprintf(stderr, "usage: syscall [--min-ms N]\n");
            return 2;
        }
    }
    if (strchr(self_path, '/') == NULL) {
        fprintf(stderr, "syscall: run me by a path (argv[0] is opened and stat'ed)\n");
        return 2;
    }
    long long min_ns = min_ms * 1000000LL;
    memset(buf, 'a', sizeof buf);
    int memfd_err = 0;
    memfd = memfd_create("sandbench-syscall", MFD_CLOEXEC);
    if (memfd < 0) memfd_err = errno;
    else if (pwrite(memfd, buf, sizeof buf, 0) != (ssize_t)sizeof buf) memfd_err = errno ? errno : EIO;
    int pipe_err = 0;
    pthread_t echo_thread;
    if (pipe2(ping, O_CLOEXEC) != 0 || pipe2(pong, O_CLOEXEC) != 0) pipe_err = errno;
    else pipe_err = pthread_create(&echo_thread, NULL, echo, NULL);

    snprintf(line, sizeof line, "sandbench-syscall v1 min_ns=%lld reps=%d", min_ns, REPS);
    line_len = strlen(line);
    measure("getpid", op_getpid, 0, min_ns);
    measure("getpid_raw", op_getpid_raw, 0, min_ns);
    measure("clock_gettime", op_clock_gettime, 0, min_ns);
    measure("open_close", op_open_close, 0, min_ns);
    measure("stat", op_stat, 0, min_ns);
    measure("read_4k", op_read_4k, memfd_err, min_ns);
    measure("write_4k", op_write_4k, memfd_err, min_ns);
    measure("pipe_pingpong", op_pipe_pingpong, pipe_err, min_ns);
    measure("mmap_munmap", op_mmap_munmap, 0, min_ns);
    measure("socket_close", op_socket_close, 0, min_ns);
    measure("fork_wait", op_fork_wait, 0, min_ns);
    if (!pipe_err) {
        close(ping[1]); /* the echo thread reads EOF and ends */
        pthread_join(echo_thread, NULL);
    }
    append("\n");
    /* One write straight to fd 1: the line arrives whole even on a serial console. */
    if (write(STDOUT_FILENO, line, line_len) != (ssize_t)line_len) return 1;
    return 0;
}
