/* How Sandbench starts a sandbox's first process (libsandbench-spawn.so, built with the project).
 *
 * glibc's posix_spawn, called from a multi-threaded process that handles signals (the .NET runtime), makes its
 * child reset all 64 signal dispositions one system call at a time, and maps and unmaps a stack for the child
 * around every spawn; both land inside a cold start's measured window. Here the child runs on a stack in the
 * caller's frame (the caller is suspended until the child has called execve: CLONE_VFORK) and resets only the
 * signals the caller found not at their default beforehand, outside the window (sb_nondefault_signals). What the
 * new program starts with is the same: its own process group, the given descriptors, every signal at its default
 * and none blocked.
 *
 * On request (a cold start) the child stays on the CPU it was forked on until its execve has passed the scheduler's
 * exec balancing: the child pins itself to that CPU, and the caller, released by the execve, gives it back the
 * caller's own affinity at once. Without that, the tool's own recent CPU use on that CPU could make exec balancing
 * move the new program to another (idle) CPU, a migration inside the window that a small C client never causes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct child {
    const char *path;
    char *const *argv;
    char *const *envp;
    const int *from;
    const int *to;
    int n;
    const int *reset;
    int nreset;
    int stay;
    volatile int cpu;
    volatile int err;
};

/* Runs in the child, in the caller's memory, with every signal blocked: only system calls, no allocation. */
static int child_main(void *arg)
{
    struct child *c = arg;
    if (c->stay) {
        unsigned cpu = 0;
        cpu_set_t one;
        /* The system call, not glibc's sched_getcpu: that reads the caller's rseq area, which is not this task's. */
        if (syscall(SYS_getcpu, &cpu, NULL, NULL) == 0) {
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            if (sched_setaffinity(0, sizeof one, &one) == 0) c->cpu = (int)cpu;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    /* Handlers first: once signals are unblocked, none of the caller's may run here. */
    for (int i = 0; i < c->nreset; i++) sigaction(c->reset[i], &sa, NULL);
    if (setpgid(0, 0) != 0) goto fail;
    for (int i = 0; i < c->n; i++)
        if (dup2(c->from[i], c->to[i]) < 0) goto fail;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(c->path, c->argv, c->envp);
fail:
    c->err = errno;
    syscall(SYS_exit, 127);
    return 0;
}

/* The signals whose disposition in this process is not the default (handled or ignored), into out[max]; their count. */
int sb_nondefault_signals(int *out, int max)
{
    int n = 0;
    for (int sig = 1; sig < NSIG && n < max; sig++) {
        struct sigaction sa;
        if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) != 0) continue; /* glibc's own signals: EINVAL */
        if (sa.sa_handler != SIG_DFL) out[n++] = sig;
    }
    return n;
}

static void reap(int pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

/* Starts path with argv and envp: from[i] duplicated onto to[i] in order, the signals reset[] set to their default,
 * in a process group of its own. Returns the child's pid once it has called execve, or -errno (the child reaped).
 * With restore (restore_size bytes, the caller's affinity) the child stays on its fork CPU through exec balancing and
 * then gets restore as its affinity; *cpu is that CPU, or -1 if the child could not be kept there (it then runs
 * wherever the scheduler puts it). Without restore, *cpu is -1. */
int sb_spawn(const char *path, char *const argv[], char *const envp[], const int *from, const int *to, int n,
             const int *reset, int nreset, const void *restore, int restore_size, int *cpu)
{
    struct child c = { path, argv, envp, from, to, n, reset, nreset, restore != NULL, -1, 0 };
    char stack[64 * 1024] __attribute__((aligned(16)));
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int pid = clone(child_main, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) return -e;
    if (c.err != 0) {
        reap(pid);
        return -c.err;
    }
    *cpu = -1;
    if (c.cpu >= 0) {
        if (sched_setaffinity(pid, (size_t)restore_size, (const cpu_set_t *)restore) != 0) {
            /* A workload left on one CPU would be measured wrongly: it does not run. */
            int refused = errno;
            kill(pid, SIGKILL);
            reap(pid);
            return -refused;
        }
        *cpu = c.cpu;
    }
    return pid;
}
