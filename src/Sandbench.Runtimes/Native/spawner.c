/*
 * sandbench-spawn: starts Sandbench's sandbox processes from a small,
 * single-threaded process.
 *
 * Why: a child forked from the .NET process shares (until exec) an address
 * space of thousands of mappings and a table of 130-odd descriptors, which
 * the kernel walks and closes inside the measured window: on a 2-CPU VM
 * that put about 250 us more between fork and exec than the same spawn from
 * a small C program (perf sched: fork to exec, median 699 us vs 442 us).
 * This helper is that small C program.
 *
 * Protocol, on fd 3 (one end of a SOCK_SEQPACKET socketpair; EOF ends the
 * helper):
 *   request: one message, data = u32 argc, u32 envc, then NUL-terminated
 *            strings: path, argv[argc], env[envc]; SCM_RIGHTS carries 2 or
 *            3 descriptors: stdin, stdout (also stderr), and, if present,
 *            the listening socket that becomes fd 3 (socket activation).
 *   reply:   i64 pid (-1 if there is no child), i64 errno (0 if the
 *            child exec'd), i64 t0: CLOCK_MONOTONIC ns read right before
 *            clone (where a cold start's clock starts). A child that could
 *            not exec has exited with 127 and is Sandbench's to reap.
 *
 * The child is created with CLONE_PARENT, so it is Sandbench's child, not
 * this helper's: Sandbench reaps it and gets its SIGCHLD as with
 * posix_spawn. CLONE_VFORK holds this helper until the child has exec'd
 * (or failed to; the errno comes back over a close-on-exec pipe). The
 * child gets its own process group, an empty signal mask and default
 * dispositions (this helper changes none), and fds 0-2 (and 3) only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_MSG (1 << 20)
#define MAX_ARGS 4096

static char msg[MAX_MSG];
static char *vec[2 * MAX_ARGS + 4];

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void reply(int64_t pid, int64_t err, int64_t t0)
{
    int64_t r[3] = {pid, err, t0};
    if (send(3, r, sizeof r, MSG_NOSIGNAL) != (ssize_t)sizeof r)
        _exit(1);
}

/* The child, still sharing nothing but its parent (us, copy-on-write). */
static void child(int err, const int *fds, int nfds, const char *path, char **argv, char **envp)
{
    if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0 || (nfds > 2 && dup2(fds[2], 3) < 0) ||
        setpgid(0, 0) < 0)
        goto fail;
    execve(path, argv, envp);
fail:;
    int e = errno;
    if (write(err, &e, sizeof e) < 0)
        _exit(127);
    _exit(127);
}

int main(void)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
        return 1;
    for (;;) {
        union {
            struct cmsghdr h;
            char buf[CMSG_SPACE(3 * sizeof(int))];
        } ctl;
        struct iovec iov = {msg, sizeof msg - 1};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
        ssize_t n = recvmsg(3, &mh, MSG_CMSG_CLOEXEC);
        if (n == 0)
            return 0; /* Sandbench is gone */
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        int fds[3], nfds = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                for (int i = 0; i < k; i++) {
                    int fd;
                    memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                    if (nfds < 3)
                        fds[nfds++] = fd;
                    else
                        close(fd);
                }
            }

        /* Parse: argc, envc, path, argv..., env... (each NUL-terminated). */
        msg[n] = '\0';
        uint32_t argc = 0, envc = 0;
        int ok = nfds >= 2 && !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) && n >= 8;
        if (ok) {
            memcpy(&argc, msg, 4);
            memcpy(&envc, msg + 4, 4);
            ok = argc >= 1 && argc <= MAX_ARGS && envc <= MAX_ARGS;
        }
        char *p = msg + 8, *end = msg + n, *path = p;
        size_t k = 0;
        for (uint32_t i = 0; ok && i < 1 + argc + envc; i++) {
            char *z = memchr(p, '\0', (size_t)(end - p));
            if (!z) {
                ok = 0;
                break;
            }
            if (i > 0) {
                vec[k++] = p;
                if (i == argc)
                    vec[k++] = NULL; /* end of argv */
            }
            p = z + 1;
        }
        if (ok) {
            vec[k] = NULL; /* end of envp */
            int err[2];
            if (pipe2(err, O_CLOEXEC) < 0) {
                reply(-1, errno, 0);
            } else {
                int64_t t0 = now_ns();
                long pid = syscall(SYS_clone, CLONE_PARENT | CLONE_VFORK | SIGCHLD, NULL, NULL, NULL, NULL);
                if (pid == 0)
                    child(err[1], fds, nfds, path, vec, vec + argc + 1);
                int e = pid < 0 ? errno : 0;
                close(err[1]);
                if (pid > 0 && read(err[0], &e, sizeof e) != (ssize_t)sizeof e)
                    e = 0; /* EOF: the child exec'd */
                close(err[0]);
                reply(pid > 0 ? pid : -1, e, t0);
            }
        } else {
            reply(-1, EINVAL, 0);
        }
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
    }
}
