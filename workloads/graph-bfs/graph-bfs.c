/*
 * graph-bfs: per request, generate a random graph of ?nodes=N nodes (default
 * 20000), each joined to 4 others drawn by a fixed-seed xorshift (so every
 * request builds the same undirected graph, about 8 edge ends per node, in
 * compressed sparse rows), and walk it breadth-first from node 0. Generation
 * and walk together are the function's duration (X-Function-Duration-Ns), as
 * in SeBS's graph-bfs, which also builds its graph per call.
 *
 * Build: gcc -static -O2 -Wall -Wextra -Werror -I../common -o graph-bfs graph-bfs.c
 */
#define APP_NAME "graph-bfs"
#include "httpd.h"

#define MAX_NODES 10000000L
#define DEGREE 4

struct result {
    long reached, depth, edges;
};

/* Returns 0 when memory ran out. */
static int work(unsigned n, struct result *r)
{
    size_t m = (size_t)n * DEGREE;
    unsigned *src = malloc(m * sizeof *src), *dst = malloc(m * sizeof *dst);
    unsigned *start = calloc((size_t)n + 1, sizeof *start);
    unsigned *adj = malloc(2 * m * sizeof *adj), *queue = malloc((size_t)n * sizeof *queue);
    int *level = malloc((size_t)n * sizeof *level);
    int ok = src && dst && start && adj && queue && level;
    if (ok) {
        unsigned long long x = 0x853C49E6748FEA9BULL;
        for (size_t e = 0; e < m; e++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            src[e] = (unsigned)(e / DEGREE);
            dst[e] = (unsigned)((x >> 16) % n);
            start[src[e] + 1]++;
            start[dst[e] + 1]++;
        }
        for (unsigned v = 0; v < n; v++)
            start[v + 1] += start[v];
        /* queue doubles as the fill cursor of each node's row */
        memcpy(queue, start, (size_t)n * sizeof *queue);
        for (size_t e = 0; e < m; e++) {
            adj[queue[src[e]]++] = dst[e];
            adj[queue[dst[e]]++] = src[e];
        }
        for (unsigned v = 0; v < n; v++)
            level[v] = -1;
        size_t head = 0, tail = 0;
        level[0] = 0;
        queue[tail++] = 0;
        long depth = 0;
        while (head < tail) {
            unsigned v = queue[head++];
            for (unsigned k = start[v]; k < start[v + 1]; k++) {
                unsigned w = adj[k];
                if (level[w] < 0) {
                    level[w] = level[v] + 1;
                    if (level[w] > depth)
                        depth = level[w];
                    queue[tail++] = w;
                }
            }
        }
        r->reached = (long)tail;
        r->depth = depth;
        r->edges = (long)m;
    }
    free(src), free(dst), free(start), free(adj), free(queue), free(level);
    return ok;
}

static void app_handle(const struct request *rq, struct response *rs)
{
    long n;
    if (!app_param(rq, rs, "nodes", 20000, 1, MAX_NODES, &n))
        return;
    struct result r;
    long long t0 = now_ns();
    int ok = work((unsigned)n, &r);
    long long t1 = now_ns();
    if (!ok) {
        app_text(rs, 500, "Internal Server Error", "out of memory for %ld nodes\n", n);
        return;
    }
    app_text(rs, 200, "OK", "bfs from node 0 over %ld nodes and %ld edges: reached %ld, depth %ld\n",
             n, r.edges, r.reached, r.depth);
    app_timed(rs, t1 - t0);
}
