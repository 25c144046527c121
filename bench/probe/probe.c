/*
 * probe: minimal cold-start probe, the reference that Sandbench's own
 * cold-start figures are compared against. It must add as little as
 * possible between t0 and t1 and be easy to check by reading.
 *
 * usage: probe [--iterations N] [--warmup K] [--mode socket|retry]
 *              [--spacing-us S] [--teardown "CMD ARGS..."]
 *              -- STAGE1 ARGS... [--- STAGE2 ARGS...]...
 *
 * {i} (iteration index, warm-ups included, from 0) and {port} are replaced
 * in every argument of every stage and of the teardown command.
 *
 * One iteration, mode socket (default):
 *   listen on 127.0.0.1:0; t0; spawn stage 1 with the listening socket as
 *   fd 3 and LISTEN_FDS=1; connect and send the request (the kernel
 *   completes the handshake from the backlog, no server needed yet); run
 *   the other stages, waiting for each but the last to exit 0; t1 when the
 *   first response byte arrives.
 * Mode retry: pick a free port, t0, run the stages (no fd 3, no
 *   LISTEN_FDS), then connect every S microseconds until it is accepted.
 *
 * Output: t1 - t0 in ns, one line per iteration on stdout ("warmup NS" for
 * warm-ups); errors, timeouts and a summary on stderr. Exit status 0 only
 * if every iteration and teardown succeeded.
 *
 * Stages run with stdio on /dev/null, default signal dispositions, empty
 * signal mask, in their own process group, and no fds besides 0-2 (and 3
 * for stage 1 in socket mode). Teardown, which is not timed: SIGKILL the
 * process group of every stage still running, reap, run the teardown
 * command and wait for it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_NS (30LL * 1000000000LL)

extern char **environ;

static const char REQUEST[] = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

static int retry_mode;
static long spacing_us = 100;
static char **teardown;        /* NULL-terminated argv, or NULL */
static char ***stages;         /* nstages NULL-terminated argvs */
static int nstages;
static char **env_plain;       /* our environment minus LISTEN_* */
static char **env_activated;   /* env_plain plus LISTEN_FDS=1 */
static int devnull = -1;
static posix_spawnattr_t attr;
static sigset_t sigchld;
static volatile sig_atomic_t stop;
static int teardown_failures;  /* the sample stays valid, the exit status not */

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_stop(int sig)
{
    (void)sig;
    stop = 1; /* no SA_RESTART: blocking calls return EINTR and we tear down */
}

static void die_usage(const char *msg)
{
    fprintf(stderr, "probe: %s\nusage: probe [--iterations N] [--warmup K] [--mode socket|retry]\n"
            "             [--spacing-us S] [--teardown \"CMD ARGS...\"]\n"
            "             -- STAGE1 ARGS... [--- STAGE2 ARGS...]...\n", msg);
    exit(2);
}

static long parse_long(const char *s, long min)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || v < min)
        die_usage("bad number");
    return v;
}

/* Copy of s with every {i} and {port} replaced. */
static char *subst(const char *s, long i, int port)
{
    char num_i[24], num_port[8];
    snprintf(num_i, sizeof num_i, "%ld", i);
    snprintf(num_port, sizeof num_port, "%d", port);
    size_t cap = strlen(s) * 7 + 1, n = 0; /* "{i}" grows to 19 digits at most */
    char *out = malloc(cap);
    if (!out) {
        perror("probe");
        exit(1);
    }
    while (*s) {
        const char *rep = NULL;
        if (strncmp(s, "{i}", 3) == 0) {
            rep = num_i;
            s += 3;
        } else if (strncmp(s, "{port}", 6) == 0) {
            rep = num_port;
            s += 6;
        }
        if (rep) {
            size_t l = strlen(rep);
            memcpy(out + n, rep, l);
            n += l;
        } else {
            out[n++] = *s++;
        }
    }
    out[n] = '\0';
    return out;
}

static char **subst_argv(char **argv, long i, int port)
{
    int n = 0;
    while (argv[n])
        n++;
    char **out = calloc((size_t)n + 1, sizeof *out);
    if (!out) {
        perror("probe");
        exit(1);
    }
    for (int k = 0; k < n; k++)
        out[k] = subst(argv[k], i, port);
    return out;
}

static void free_argv(char **argv)
{
    for (int k = 0; argv && argv[k]; k++)
        free(argv[k]);
    free(argv);
}

/* stdio on /dev/null; the listening socket (at a high fd, so dup2 always
 * clears close-on-exec) on fd 3 if lfd >= 0. Everything else we own is
 * close-on-exec, and inherited fds were closed at startup. */
static void file_actions(posix_spawn_file_actions_t *fa, int lfd)
{
    posix_spawn_file_actions_init(fa);
    posix_spawn_file_actions_adddup2(fa, devnull, 0);
    posix_spawn_file_actions_adddup2(fa, devnull, 1);
    posix_spawn_file_actions_adddup2(fa, devnull, 2);
    if (lfd >= 0)
        posix_spawn_file_actions_adddup2(fa, lfd, 3);
}

static pid_t spawn(char **argv, const posix_spawn_file_actions_t *fa, char **envp)
{
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], fa, &attr, argv, envp);
    if (rc != 0) {
        fprintf(stderr, "probe: cannot start %s: %s\n", argv[0], strerror(rc));
        return -1;
    }
    return pid;
}

/* Reap pid, waiting at most until deadline. SIGCHLD is blocked, so one
 * that arrives between waitpid() and sigtimedwait() stays pending and
 * wakes us: no lost wakeup, no polling. 0 = reaped, -1 = timeout/stop. */
static int wait_until(pid_t pid, int *status, long long deadline)
{
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        long long left = deadline - now_ns();
        if (left <= 0 || stop)
            return -1;
        struct timespec ts = {left / 1000000000LL, left % 1000000000LL};
        sigtimedwait(&sigchld, NULL, &ts);
    }
}

static void reap_group(pid_t pid)
{
    kill(-pid, SIGKILL); /* pid is unreaped, so its pgid cannot be reused yet */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

static int set_timeout(int fd, int opt, long long deadline)
{
    long long left = deadline - now_ns();
    if (left < 1000) /* a zero timeval would mean "wait forever" */
        return -1;
    struct timeval tv = {left / 1000000000LL, (left % 1000000000LL) / 1000};
    return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv);
}

static int tcp_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        perror("probe: socket");
    return fd;
}

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    return sa;
}

/* Bind 127.0.0.1:0; returns the fd (listening if backlog > 0) and the port. */
static int bind_ephemeral(int *port, int backlog)
{
    int fd = tcp_socket();
    struct sockaddr_in sa = loopback(0);
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        (backlog > 0 && listen(fd, backlog) < 0) ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        perror("probe: bind 127.0.0.1:0");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

enum { OK = 0, FAIL = -1, TIMEOUT = -2 };

/* One cold start. Returns OK with *ns set, FAIL or TIMEOUT. */
static int iteration(long i, long long *ns)
{
    int result = FAIL, port = 0, lfd = -1, cfd = -1;
    pid_t *pids = calloc((size_t)nstages, sizeof *pids); /* 0 = not running */
    char ***argvs = calloc((size_t)nstages, sizeof *argvs);
    posix_spawn_file_actions_t fa_first, fa_rest;
    struct sockaddr_in sa;
    char buf[256];
    int st;

    /* Everything that can be prepared is prepared before t0. */
    if (!retry_mode) {
        int fd = bind_ephemeral(&port, 128);
        if (fd < 0)
            goto out_early;
        lfd = fcntl(fd, F_DUPFD_CLOEXEC, 64); /* see file_actions() */
        close(fd);
        cfd = tcp_socket();
        if (lfd < 0 || cfd < 0)
            goto out_early;
    } else {
        int fd = bind_ephemeral(&port, 0);
        if (fd < 0)
            goto out_early;
        close(fd); /* the port is free again; the server binds it */
        cfd = tcp_socket();
        if (cfd < 0 || set_timeout(cfd, SO_SNDTIMEO, now_ns() + TIMEOUT_NS) < 0)
            goto out_early;
    }
    sa = loopback(port);
    for (int s = 0; s < nstages; s++)
        argvs[s] = subst_argv(stages[s], i, port);
    file_actions(&fa_first, lfd);
    file_actions(&fa_rest, -1);

    long long t0 = now_ns(), deadline = t0 + TIMEOUT_NS;
    pids[0] = spawn(argvs[0], &fa_first, retry_mode ? env_plain : env_activated);
    if (pids[0] < 0) {
        pids[0] = 0;
        goto out;
    }
    if (!retry_mode) {
        if (connect(cfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
            send(cfd, REQUEST, sizeof REQUEST - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof REQUEST - 1)) {
            perror("probe: connect/send");
            goto out;
        }
    }
    for (int s = 1; s < nstages; s++) {
        if (wait_until(pids[s - 1], &st, deadline) < 0) {
            result = stop ? FAIL : TIMEOUT;
            goto out;
        }
        pids[s - 1] = 0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "probe: stage %d (%s) failed with status %#x\n", s, argvs[s - 1][0], st);
            goto out;
        }
        pids[s] = spawn(argvs[s], &fa_rest, env_plain);
        if (pids[s] < 0) {
            pids[s] = 0;
            goto out;
        }
    }
    if (retry_mode) {
        struct timespec gap = {spacing_us / 1000000, (spacing_us % 1000000) * 1000};
        while (connect(cfd, (struct sockaddr *)&sa, sizeof sa) < 0) {
            if (errno == EINPROGRESS) { /* SO_SNDTIMEO expired: backlog full? */
                result = TIMEOUT;
                goto out;
            }
            if (errno != ECONNREFUSED && errno != EINTR) {
                perror("probe: connect");
                goto out;
            }
            /* A fresh socket for each attempt (reconnecting a refused one is
             * not portable), made before sleeping to keep it off the path. */
            close(cfd);
            cfd = tcp_socket();
            if (cfd < 0)
                goto out;
            if (stop || set_timeout(cfd, SO_SNDTIMEO, deadline) < 0) {
                result = stop ? FAIL : TIMEOUT;
                goto out;
            }
            clock_nanosleep(CLOCK_MONOTONIC, 0, &gap, NULL);
        }
        if (send(cfd, REQUEST, sizeof REQUEST - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof REQUEST - 1)) {
            perror("probe: send");
            goto out;
        }
    }
    /* A blocking read with SO_RCVTIMEO: the wakeup on the first byte is the
     * only thing between the response and t1. */
    if (set_timeout(cfd, SO_RCVTIMEO, deadline) < 0) {
        result = TIMEOUT;
        goto out;
    }
    ssize_t n;
    while ((n = read(cfd, buf, sizeof buf)) < 0 && errno == EINTR && !stop)
        ;
    long long t1 = now_ns();
    if (n > 0) {
        *ns = t1 - t0;
        result = OK;
    } else if (n == 0) {
        fprintf(stderr, "probe: connection closed without a response\n");
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        result = TIMEOUT;
    } else if (errno != EINTR) {
        perror("probe: read");
    }

out:
    for (int s = 0; s < nstages; s++)
        if (pids[s] > 0)
            reap_group(pids[s]);
    if (teardown) {
        char **td = subst_argv(teardown, i, port);
        pid_t pid = spawn(td, &fa_rest, env_plain);
        if (pid < 0) {
            teardown_failures++;
        } else if (wait_until(pid, &st, now_ns() + TIMEOUT_NS) < 0) {
            fprintf(stderr, "probe: teardown %s timed out\n", td[0]);
            reap_group(pid);
            teardown_failures++;
        } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "probe: teardown %s failed with status %#x\n", td[0], st);
            teardown_failures++;
        }
        free_argv(td);
    }
    posix_spawn_file_actions_destroy(&fa_first);
    posix_spawn_file_actions_destroy(&fa_rest);
    for (int s = 0; s < nstages; s++)
        free_argv(argvs[s]);
out_early:
    if (lfd >= 0)
        close(lfd);
    if (cfd >= 0)
        close(cfd);
    free(argvs);
    free(pids);
    return result;
}

/* Our environment without any LISTEN_* (stale ones would mislead the
 * function), with `extra` appended if given. */
static char **make_env(const char *extra)
{
    int n = 0;
    while (environ[n])
        n++;
    char **env = calloc((size_t)n + 2, sizeof *env);
    if (!env) {
        perror("probe");
        exit(1);
    }
    int k = 0;
    for (int j = 0; j < n; j++)
        if (strncmp(environ[j], "LISTEN_FDS=", 11) && strncmp(environ[j], "LISTEN_PID=", 11) &&
            strncmp(environ[j], "LISTEN_FDNAMES=", 15))
            env[k++] = environ[j];
    if (extra)
        env[k++] = (char *)extra;
    return env;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    long iterations = 10, warmup = 0;
    int a = 1;
    for (; a < argc && strcmp(argv[a], "--") != 0; a++) {
        const char *opt = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(opt, "--iterations") == 0)
            iterations = parse_long(val, 1);
        else if (strcmp(opt, "--warmup") == 0)
            warmup = parse_long(val, 0);
        else if (strcmp(opt, "--spacing-us") == 0)
            spacing_us = parse_long(val, 0);
        else if (strcmp(opt, "--mode") == 0 && val && strcmp(val, "socket") == 0)
            retry_mode = 0;
        else if (strcmp(opt, "--mode") == 0 && val && strcmp(val, "retry") == 0)
            retry_mode = 1;
        else if (strcmp(opt, "--teardown") == 0 && val) {
            /* A single string split on spaces: no quoting, by design. */
            char *copy = strdup(val), *save = NULL;
            int n = 0;
            teardown = calloc(strlen(val) / 2 + 2, sizeof *teardown);
            for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
                teardown[n++] = t;
            if (n == 0)
                die_usage("empty --teardown");
        } else
            die_usage("unknown option");
        a++; /* every option takes a value */
    }
    if (a >= argc - 1)
        die_usage("no command after --");

    /* Split the command line after "--" on "---" into stages, in place. */
    stages = calloc((size_t)argc, sizeof *stages);
    stages[nstages++] = &argv[a + 1];
    for (int j = a + 1; j < argc; j++)
        if (strcmp(argv[j], "---") == 0) {
            argv[j] = NULL;
            stages[nstages++] = &argv[j + 1];
        }
    for (int s = 0; s < nstages; s++)
        if (!stages[s][0])
            die_usage("empty stage");

    /* Inherited fds would leak into the stages; ours are all close-on-exec. */
    closefrom(3);
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    devnull = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 64);
    if (devnull < 0) {
        perror("probe: /dev/null");
        return 1;
    }
    close(fd);
    env_plain = make_env(NULL);
    env_activated = make_env("LISTEN_FDS=1");

    /* SIGCHLD blocked so wait_until() cannot miss it; SIG_DFL (not an
     * inherited SIG_IGN) so children are not reaped behind our back. */
    signal(SIGCHLD, SIG_DFL);
    sigemptyset(&sigchld);
    sigaddset(&sigchld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &sigchld, NULL);
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0);

    long long *samples = calloc((size_t)iterations, sizeof *samples);
    int nsamples = 0, failures = 0;
    for (long i = 0; i < warmup + iterations && !stop; i++) {
        long long ns = 0;
        int r = iteration(i, &ns);
        if (r == OK) {
            if (i < warmup)
                printf("warmup %lld\n", ns);
            else {
                printf("%lld\n", ns);
                samples[nsamples++] = ns;
            }
            fflush(stdout);
        } else {
            failures++;
            fprintf(stderr, r == TIMEOUT ? "timeout\n" : "probe: iteration %ld failed\n", i);
        }
    }

    if (nsamples > 0) {
        qsort(samples, (size_t)nsamples, sizeof *samples, cmp_ll);
        double med = nsamples % 2 ? (double)samples[nsamples / 2]
                                  : (samples[nsamples / 2 - 1] + samples[nsamples / 2]) / 2.0;
        fprintf(stderr, "probe: n=%d median=%.3f ms min=%.3f ms max=%.3f ms\n", nsamples,
                med / 1e6, samples[0] / 1e6, samples[nsamples - 1] / 1e6);
    } else {
        fprintf(stderr, "probe: n=0\n");
    }
    if (stop)
        return 130;
    return failures || teardown_failures ? 1 : 0;
}
