/*
 * delay: an HTTP/1.1 keep-alive server that answers every request after a fixed 10 ms, one thread
 * per connection, for bench/load.sh. It sleeps (clock_nanosleep, absolute) to 300 us before the deadline
 * and spins on CLOCK_MONOTONIC for the rest: a timer wake-up on a VM overshoots by ~80 us at the median,
 * which would otherwise show up in every latency the generators report.
 *   delay PORT       listens on 127.0.0.1:PORT and prints "ready"
 * Requests must be GETs without a body, each read in one piece (what load generators send).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long ns(struct timespec t) { return t.tv_sec * 1000000000L + t.tv_nsec; }

static const char RESP[] = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n";

static void *serve(void *arg)
{
    int fd = (int)(long)arg;
    prctl(PR_SET_TIMERSLACK, 1UL); /* the default 50 us slack would show up in the 10 ms */
    char buf[16384];
    size_t have = 0;
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n <= 0) break;
        have += (size_t)n;
        char *end;
        while ((end = memmem(buf, have, "\r\n\r\n", 4)) != NULL) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            long deadline = ns(t) + 10000000L;
            struct timespec wake = { (deadline - 300000L) / 1000000000L, (deadline - 300000L) % 1000000000L };
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, NULL) != 0) {}
            do clock_gettime(CLOCK_MONOTONIC, &t); while (ns(t) < deadline);
            if (write(fd, RESP, sizeof RESP - 1) < 0) goto out;
            size_t used = (size_t)(end + 4 - buf);
            memmove(buf, buf + used, have - used);
            have -= used;
        }
        if (have == sizeof buf) break;
    }
out:
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: delay PORT\n"); return 2; }
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 1024) != 0) { perror("delay"); return 1; }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_t t;
        if (pthread_create(&t, NULL, serve, (void *)(long)fd) != 0) { close(fd); continue; }
        pthread_detach(t);
    }
}
