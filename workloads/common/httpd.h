/*
 * httpd.h: the HTTP server every Sandbench C workload shares.
 *
 * A single-threaded epoll HTTP/1.1 server (keep-alive, pipelining, bodies
 * discarded, 100-continue). A workload defines APP_NAME and includes this
 * file, then defines app_handle(), which turns one request into one
 * response. The server owns the process's command line:
 *
 *   NAME [PORT]      serve on 0.0.0.0:PORT (argv, else $PORT, else 8080),
 *                    or on fd 3 when socket-activated (LISTEN_FDS)
 *   NAME --probe     print "NAME: ok" and exit (can the runtime run us?)
 *   NAME --hang      print the start marker and sleep forever (timeouts)
 *
 * Workloads that do work per request time it themselves with
 * CLOCK_MONOTONIC around the work only and say so in the response with
 * app_timed(): "X-Function-Duration-Ns: N" (integer nanoseconds) and
 * "Server-Timing: fn;dur=MS" (the same, in milliseconds).
 */
#ifndef APP_NAME
#error "define APP_NAME before including httpd.h"
#endif
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADER (16 * 1024) /* larger header sections get 431 */
#define OUT_HIGH (64 * 1024)   /* stop parsing while this much output is queued */
#define MAX_EVENTS 256

/* One request as the workload sees it: the target split at '?'. */
struct request {
    const char *path;
    size_t path_len;
    const char *query; /* after the '?', not decoded; empty when none */
    size_t query_len;
};

/* What the workload answers: the server adds Content-Length and, when the
 * connection ends, "Connection: close". headers holds extra header lines,
 * each ending in CRLF. body must stay valid until app_handle() is called
 * again (a static buffer will do: the server is single-threaded). */
struct response {
    int status;
    const char *reason;
    const char *type;
    const char *body;
    size_t body_len;
    char headers[256];
};

/* Defined by the workload. Starts with status 200 "OK", type text/plain,
 * an empty body and no extra headers. */
static void app_handle(const struct request *rq, struct response *rs);
static const char RESP_100[] = "HTTP/1.1 100 Continue\r\n\r\n";
static const char RESP_400[] =
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static const char RESP_500[] =
    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static const char RESP_411[] =
    "HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static const char RESP_431[] =
    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
    "Connection: close\r\n\r\n";

struct conn {
    int fd;
    int closing;                 /* no more requests; close once out is flushed */
    unsigned want;               /* events currently registered with epoll */
    unsigned long long body_left; /* request body bytes still to discard */
    size_t in_len;
    size_t scan;                 /* header terminator cannot start before this */
    char *out;                   /* small[] until a pipelined burst outgrows it */
    size_t out_len, out_off, out_cap;
    char small[1024];            /* next to the fields: no extra page faults */
    char in[MAX_HEADER];
};

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Markers go straight to fd 1: stdio buffering would delay or lose them
 * when stdout is a pipe and we are killed. Errors are irrelevant here. */
static void marker(const char *what, long long ns, const char *how)
{
    char buf[96];
    int n = snprintf(buf, sizeof buf, "sandbench-%s %lld%s%s\n", what, ns,
                     how ? " " : "", how ? how : "");
    if (n > 0 && write(STDOUT_FILENO, buf, (size_t)n) < 0) {
        /* stdout may be closed; nothing useful to do */
    }
}

static void on_term(int sig)
{
    (void)sig;
    _exit(0); /* exit() is not async-signal-safe; there is nothing to flush */
}

static int parse_port(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 65535)
        return -1;
    return (int)v;
}

/* Case-insensitive match of a length-delimited token against a literal. */
static int tok_eq(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(p, lit, n) == 0;
}

/* Does the comma-separated header value contain the given token? */
static int has_token(const char *v, size_t n, const char *lit)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ',' || v[i] == ' ' || v[i] == '\t'))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
            i++;
        if (i > s && tok_eq(v + s, i - s, lit))
            return 1;
    }
    return 0;
}

static void out_append(struct conn *c, const char *p, size_t n)
{
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap;
        while (cap < c->out_len + n)
            cap *= 2;
        char *nb = c->out == c->small ? malloc(cap) : realloc(c->out, cap);
        if (!nb) { /* out of memory: drop the connection rather than the process */
            c->closing = 1;
            c->in_len = 0;
            c->body_left = 0;
            return;
        }
        if (c->out == c->small)
            memcpy(nb, c->small, c->out_len);
        c->out = nb;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
}

/* Finish the connection with an error response (nothing after it is read). */
static void fail(struct conn *c, const char *resp)
{
    out_append(c, resp, strlen(resp));
    c->closing = 1;
}

/* Run the workload on one request target and queue its response. */
static void respond(struct conn *c, const char *target, size_t tlen, int close_after)
{
    const char *q = memchr(target, '?', tlen);
    struct request rq = {.path = target, .path_len = q ? (size_t)(q - target) : tlen,
                         .query = q ? q + 1 : target + tlen,
                         .query_len = q ? tlen - (size_t)(q - target) - 1 : 0};
    struct response rs = {.status = 200, .reason = "OK", .type = "text/plain", .body = ""};
    app_handle(&rq, &rs);
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
                     rs.status, rs.reason, rs.type, rs.body_len, rs.headers,
                     close_after ? "Connection: close\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof head) { /* a workload bug: never a truncated header */
        fail(c, RESP_500);
        return;
    }
    out_append(c, head, (size_t)n);
    out_append(c, rs.body, rs.body_len);
    if (close_after)
        c->closing = 1;
}

/* Parse one complete header section of hlen bytes at p and queue the
 * response. Lines may end in CRLF or bare LF. */
static void handle_request(struct conn *c, const char *p, size_t hlen)
{
    const char *end = p + hlen;
    const char *eol = memchr(p, '\n', hlen);
    size_t rl = (size_t)(eol - p);
    if (rl && p[rl - 1] == '\r')
        rl--;
    /* Request line: METHOD SP TARGET SP HTTP/1.x; we only need the version. */
    if (rl < 8 || memcmp(p + rl - 8, "HTTP/1.", 7) != 0 || !memchr(p, ' ', rl)) {
        fail(c, RESP_400);
        return;
    }
    int http10 = p[rl - 1] == '0';
    const char *target = memchr(p, ' ', rl) + 1;
    const char *tend = memchr(target, ' ', (size_t)(p + rl - target));
    if (!tend)
        tend = p + rl - 8;
    int conn_close = 0, conn_keep = 0, expect_continue = 0;
    unsigned long long clen = 0;

    for (const char *line = eol + 1; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t len = (size_t)(nl - line);
        const char *next = nl + 1;
        if (len && line[len - 1] == '\r')
            len--;
        if (len == 0)
            break; /* the empty line that ends the section */
        const char *colon = memchr(line, ':', len);
        if (!colon) {
            fail(c, RESP_400);
            return;
        }
        size_t nlen = (size_t)(colon - line);
        const char *v = colon + 1, *vend = line + len;
        while (v < vend && (*v == ' ' || *v == '\t'))
            v++;
        while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
        size_t vlen = (size_t)(vend - v);

        if (tok_eq(line, nlen, "connection")) {
            conn_close |= has_token(v, vlen, "close");
            conn_keep |= has_token(v, vlen, "keep-alive");
        } else if (tok_eq(line, nlen, "content-length")) {
            if (vlen == 0 || vlen > 18) {
                fail(c, RESP_400);
                return;
            }
            clen = 0;
            for (size_t i = 0; i < vlen; i++) {
                if (v[i] < '0' || v[i] > '9') {
                    fail(c, RESP_400);
                    return;
                }
                clen = clen * 10 + (unsigned)(v[i] - '0');
            }
        } else if (tok_eq(line, nlen, "expect")) {
            expect_continue = tok_eq(v, vlen, "100-continue");
        } else if (tok_eq(line, nlen, "transfer-encoding") &&
                   !tok_eq(v, vlen, "identity")) {
            /* Chunked bodies would need a decoder just to skip them; a
             * cold-start benchmark never sends them. */
            fail(c, RESP_411);
            return;
        }
        line = next;
    }

    c->body_left = clen;
    /* Without the interim 100 a client such as curl never sends the body it
     * announced, yet keeps the connection, and we would eat its next request
     * as body. */
    if (expect_continue && clen && !http10)
        out_append(c, RESP_100, sizeof RESP_100 - 1);
    respond(c, target, (size_t)(tend - target), conn_close || (http10 && !conn_keep));
}

/* Turn every complete request in the input buffer into a response. */
static void process(struct conn *c)
{
    size_t off = 0;
    while (off < c->in_len) {
        if (c->body_left) { /* discarded even when closing, see on_conn() */
            size_t take = c->in_len - off;
            if (take > c->body_left)
                take = (size_t)c->body_left;
            off += take;
            c->body_left -= take;
            continue;
        }
        if (c->closing || c->out_len - c->out_off >= OUT_HIGH)
            break;
        /* Tolerate stray CRLFs between requests (RFC 9112 section 2.2). */
        if (c->in[off] == '\r' || c->in[off] == '\n') {
            off++;
            continue;
        }
        /* The terminator is "\n\r\n" or "\n\n"; remember how far we have
         * looked so slow clients do not make us rescan quadratically. */
        size_t i = off > c->scan ? off : c->scan, hend = 0;
        while (i < c->in_len) {
            char *nl = memchr(c->in + i, '\n', c->in_len - i);
            if (!nl)
                break;
            size_t k = (size_t)(nl - c->in) + 1;
            if (k < c->in_len && c->in[k] == '\n') {
                hend = k + 1;
                break;
            }
            if (k + 1 < c->in_len && c->in[k] == '\r' && c->in[k + 1] == '\n') {
                hend = k + 2;
                break;
            }
            i = k;
        }
        if (!hend) {
            if (c->in_len - off >= MAX_HEADER)
                fail(c, RESP_431);
            else
                c->scan = c->in_len >= 3 ? c->in_len - 3 : 0;
            break;
        }
        handle_request(c, c->in + off, hend - off);
        off = hend;
        c->scan = 0;
    }
    if (c->closing) {
        c->in_len = 0; /* anything after the last answered request is dropped */
        c->scan = 0;
    } else if (off) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
        c->scan = c->scan > off ? c->scan - off : 0;
    }
}

/* Returns -1 if the connection is dead, 0 otherwise (possibly with output
 * still queued because the socket buffer is full). */
static int flush(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL);
        if (n > 0)
            c->out_off += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        else
            return -1;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

static void conn_close(struct conn *c)
{
    close(c->fd); /* also removes it from the epoll set */
    if (c->out != c->small)
        free(c->out);
    free(c);
}

static void on_conn(int ep, struct conn *c)
{
    int drained = 0;
    for (;;) {
        process(c);
        if (flush(c) < 0)
            goto dead;
        if (c->out_len)
            break; /* wait for EPOLLOUT; not reading meanwhile is our backpressure */
        if (c->closing && !c->body_left) {
            /* Unread input at close() makes the kernel send RST, which can
             * destroy the response we just wrote before the client reads it.
             * That is also why a closing request's body is still consumed. */
            char sink[4096];
            for (int k = 0; k < 16 && recv(c->fd, sink, sizeof sink, MSG_DONTWAIT) > 0; k++)
                ;
            goto dead;
        }
        if (drained)
            break; /* a short read emptied the socket; skip the EAGAIN read */
        size_t space = sizeof c->in - c->in_len;
        if (space == 0)
            continue; /* process() always makes progress on a full buffer */
        ssize_t n = recv(c->fd, c->in + c->in_len, space, 0);
        if (n > 0) {
            c->in_len += (size_t)n;
            drained = (size_t)n < space;
        } else if (n == 0) {
            c->closing = 1; /* peer is done; finish writing what we owe it */
            c->body_left = 0;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        } else if (errno != EINTR) {
            goto dead;
        }
    }
    unsigned want = c->out_len ? EPOLLOUT : EPOLLIN;
    if (want != c->want) {
        struct epoll_event ev = {.events = want, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
            goto dead;
        c->want = want;
    }
    return;
dead:
    conn_close(c);
}

static void on_accept(int ep, int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; /* EAGAIN, or EMFILE & co: retried on the next wakeup */
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = malloc(sizeof *c); /* not calloc: in[] needs no zeroing */
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->closing = 0;
        c->want = EPOLLIN;
        c->body_left = 0;
        c->in_len = c->scan = 0;
        c->out = c->small;
        c->out_cap = sizeof c->small;
        c->out_len = c->out_off = 0;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
            conn_close(c);
            continue;
        }
        /* The request usually arrived with the connection (always so for a
         * cold-start probe): serve it now instead of after another epoll_wait. */
        on_conn(ep, c);
    }
}

/* Socket activation: the caller created the listening socket for us, so a
 * connection can be queued before we even exist. */
static int listen_fds_socket(void)
{
    const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
    if (!fds)
        return -1;
    char *end;
    long n = strtol(fds, &end, 10);
    if (end == fds || *end || n < 1)
        return -1;
    if (pid && strtol(pid, NULL, 10) != (long)getpid())
        return -1;
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDNAMES");
    int acc = 0;
    socklen_t len = sizeof acc;
    if (getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0 || !acc) {
        fprintf(stderr, APP_NAME ": LISTEN_FDS set but fd 3 is not a listening socket\n");
        exit(1);
    }
    int fl = fcntl(3, F_GETFL);
    if (fl < 0 || fcntl(3, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0) {
        perror(APP_NAME ": fd 3");
        exit(1);
    }
    return 3;
}

static int bind_socket(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4096) < 0) {
        fprintf(stderr, APP_NAME ": cannot listen on port %d: %s\n", port, strerror(errno));
        exit(1);
    }
    return fd;
}

/* ---- helpers for workloads ---------------------------------------------- */

static char app_msg[512] __attribute__((unused)); /* bodies of short text answers */

/* Answer with a formatted text body (a trailing newline is the caller's). */
__attribute__((format(printf, 4, 5)))
__attribute__((unused)) static void app_text(struct response *rs, int status, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(app_msg, sizeof app_msg, fmt, ap);
    va_end(ap);
    rs->status = status;
    rs->reason = reason;
    rs->type = "text/plain";
    rs->body = app_msg;
    rs->body_len = n < 0 ? 0 : (size_t)n < sizeof app_msg ? (size_t)n : sizeof app_msg - 1;
}

/* Say how long the function's own work took (ns, CLOCK_MONOTONIC). */
__attribute__((unused)) static void app_timed(struct response *rs, long long ns)
{
    size_t used = strlen(rs->headers);
    snprintf(rs->headers + used, sizeof rs->headers - used,
             "X-Function-Duration-Ns: %lld\r\nServer-Timing: fn;dur=%lld.%06lld\r\n",
             ns, ns / 1000000, ns % 1000000);
}

/*
 * The workload's one integer parameter, from a query of the form "key=N"
 * (or none, for the default). Anything else in the query, a value that is
 * not a decimal integer, or one outside [min, max] is answered 400 with the
 * reason, and 0 is returned; 1 when *out holds the value.
 */
__attribute__((unused)) static int app_param(const struct request *rq, struct response *rs, const char *key,
                     long def, long min, long max, long *out)
{
    size_t klen = strlen(key);
    const char *q = rq->query, *end = rq->query + rq->query_len;
    *out = def;
    int seen = 0;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *pend = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(pend - q));
        size_t nlen = (size_t)((eq ? eq : pend) - q);
        if (nlen == 0 && !eq) { /* "a&&b" or a trailing '&' */
            q = pend + 1;
            continue;
        }
        if (nlen != klen || memcmp(q, key, klen) != 0) {
            app_text(rs, 400, "Bad Request", "unknown parameter '%.*s' (valid: %s)\n",
                     (int)(nlen > 64 ? 64 : nlen), q, key);
            return 0;
        }
        const char *v = eq ? eq + 1 : pend;
        size_t vlen = (size_t)(pend - v);
        long val = 0;
        if (seen) {
            app_text(rs, 400, "Bad Request", "%s given twice\n", key);
            return 0;
        }
        int ok = vlen > 0 && vlen <= 12;
        for (size_t i = 0; ok && i < vlen; i++) {
            if (v[i] < '0' || v[i] > '9')
                ok = 0;
            else
                val = val * 10 + (v[i] - '0');
        }
        if (!ok || val < min || val > max) {
            app_text(rs, 400, "Bad Request", "bad %s '%.*s': want an integer from %ld to %ld\n",
                     key, (int)(vlen > 64 ? 64 : vlen), v, min, max);
            return 0;
        }
        *out = val;
        seen = 1;
        q = pend + 1;
    }
    return 1;
}

int main(int argc, char **argv)
{
    long long start = now_ns(); /* first thing, so the marker is honest */
    int hang = 0;
    const char *port_arg = NULL;

    if (argc > 2) {
        fprintf(stderr, "usage: " APP_NAME " [PORT | --probe | --hang]\n");
        return 2;
    }
    if (argc == 2) {
        if (strcmp(argv[1], "--probe") == 0) {
            static const char ok[] = APP_NAME ": ok\n";
            return write(STDOUT_FILENO, ok, sizeof ok - 1) == (ssize_t)(sizeof ok - 1) ? 0 : 1;
        } else if (strcmp(argv[1], "--hang") == 0) {
            hang = 1;
        } else if (argv[1][0] == '-') {
            fprintf(stderr, APP_NAME ": unknown option %s\nusage: " APP_NAME " [PORT | --probe | --hang]\n",
                    argv[1]);
            return 2;
        } else {
            port_arg = argv[1];
        }
    }
    marker("start", start, NULL);

    struct sigaction sa = {.sa_handler = on_term};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (hang)
        for (;;)
            pause();

    int lfd = listen_fds_socket();
    const char *how = "listen-fds";
    if (lfd < 0) {
        if (!port_arg)
            port_arg = getenv("PORT");
        int port = port_arg ? parse_port(port_arg) : 8080;
        if (port < 0) {
            fprintf(stderr, APP_NAME ": invalid port '%s'\n", port_arg);
            return 2;
        }
        lfd = bind_socket(port);
        how = "bind";
    }

    /* Thousands of keep-alive connections need more than the usual 1024 fds. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0) {
        perror(APP_NAME ": epoll");
        return 1;
    }
    marker("ready", now_ns(), how);

    struct epoll_event evs[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror(APP_NAME ": epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL)
                on_accept(ep, lfd);
            else
                on_conn(ep, evs[i].data.ptr); /* errors surface via recv/send */
        }
    }
}
