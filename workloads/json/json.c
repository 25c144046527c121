/*
 * json: per request, parse a generated JSON document of ?items=N records
 * (default 4000, about 0.5 MiB) into a tree and serialize the tree back to
 * text; parse and serialize together are the function's duration
 * (X-Function-Duration-Ns). The document is generated once per size with a
 * fixed seed and kept; generating it is not part of the timed work. The
 * parser is a small hand-written recursive descent one (RFC 8259 grammar,
 * numbers through strtod, strings kept as written).
 *
 * Build: gcc -static -O2 -Wall -Wextra -Werror -I../common -o json json.c
 */
#define APP_NAME "json"
#include "httpd.h"
#include <math.h>

#define MAX_ITEMS 1000000L
#define MAX_DEPTH 64

enum kind { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

struct node {
    enum kind kind;
    int first;        /* arrays, objects: first child (objects: key, value, key, ...); -1 none */
    int next;         /* next sibling; -1 none */
    double num;
    const char *str;  /* J_STR: between the quotes, escapes as written */
    size_t len;
};

struct parser {
    const char *p, *end;
    struct node *nodes;
    int count, cap, depth;
};

static char *doc, *text;
static size_t doc_len, text_cap;
static long doc_items = -1;
static struct node *pool;
static int pool_cap;

static void ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static int node_new(struct parser *ps, enum kind k)
{
    if (ps->count == ps->cap)
        return -1;
    struct node *n = &ps->nodes[ps->count];
    n->kind = k;
    n->first = n->next = -1;
    return ps->count++;
}

static int value(struct parser *ps);

static int string(struct parser *ps)
{
    const char *s = ++ps->p; /* after the opening quote */
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char ch = (unsigned char)*ps->p;
        if (ch < 0x20)
            return -1;
        if (ch == '\\') {
            if (++ps->p >= ps->end)
                return -1;
            if (*ps->p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (ps->p + i >= ps->end || !strchr("0123456789abcdefABCDEF", ps->p[i]))
                        return -1;
                ps->p += 4;
            } else if (!strchr("\"\\/bfnrt", *ps->p)) {
                return -1;
            }
        }
        ps->p++;
    }
    if (ps->p >= ps->end)
        return -1;
    int id = node_new(ps, J_STR);
    if (id < 0)
        return -1;
    ps->nodes[id].str = s;
    ps->nodes[id].len = (size_t)(ps->p - s);
    ps->p++;
    return id;
}

/* Arrays and objects: children linked in order; objects alternate key, value. */
static int container(struct parser *ps, enum kind k, char close)
{
    if (++ps->depth > MAX_DEPTH)
        return -1;
    int id = node_new(ps, k), last = -1;
    if (id < 0)
        return -1;
    ps->p++;
    ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return id;
    }
    for (;;) {
        ws(ps);
        int child;
        if (k == J_OBJ) {
            if (ps->p >= ps->end || *ps->p != '"' || (child = string(ps)) < 0)
                return -1;
            ws(ps);
            if (ps->p >= ps->end || *ps->p++ != ':')
                return -1;
            int v = value(ps);
            if (v < 0)
                return -1;
            ps->nodes[child].next = v;
        } else if ((child = value(ps)) < 0) {
            return -1;
        }
        if (last < 0)
            ps->nodes[id].first = child;
        else
            ps->nodes[last].next = child;
        last = k == J_OBJ ? ps->nodes[child].next : child;
        ws(ps);
        if (ps->p >= ps->end)
            return -1;
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p++ != close)
            return -1;
        ps->depth--;
        return id;
    }
}

static int literal(struct parser *ps, const char *lit, enum kind k)
{
    size_t n = strlen(lit);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, lit, n) != 0)
        return -1;
    ps->p += n;
    return node_new(ps, k);
}

static int value(struct parser *ps)
{
    ws(ps);
    if (ps->p >= ps->end)
        return -1;
    switch (*ps->p) {
    case '{': return container(ps, J_OBJ, '}');
    case '[': return container(ps, J_ARR, ']');
    case '"': return string(ps);
    case 't': return literal(ps, "true", J_TRUE);
    case 'f': return literal(ps, "false", J_FALSE);
    case 'n': return literal(ps, "null", J_NULL);
    default: {
        char *e;
        double d = strtod(ps->p, &e); /* the document ends in a NUL: strtod stops there */
        if (e == ps->p || (*ps->p != '-' && (*ps->p < '0' || *ps->p > '9')))
            return -1;
        ps->p = e;
        int id = node_new(ps, J_NUM);
        if (id >= 0)
            ps->nodes[id].num = d;
        return id;
    }
    }
}

/* Serialization into text[] (sized by the caller to hold it). */
static char *emit(const struct node *nodes, int id, char *o)
{
    const struct node *n = &nodes[id];
    switch (n->kind) {
    case J_NULL: memcpy(o, "null", 4); return o + 4;
    case J_FALSE: memcpy(o, "false", 5); return o + 5;
    case J_TRUE: memcpy(o, "true", 4); return o + 4;
    case J_NUM:
        if (n->num == floor(n->num) && fabs(n->num) < 1e15)
            return o + sprintf(o, "%lld", (long long)n->num);
        { /* the shortest of 15 or 17 digits that reads back the same */
            int k = sprintf(o, "%.15g", n->num);
            if (strtod(o, NULL) != n->num)
                k = sprintf(o, "%.17g", n->num);
            return o + k;
        }
    case J_STR:
        *o++ = '"';
        memcpy(o, n->str, n->len);
        o += n->len;
        *o++ = '"';
        return o;
    case J_ARR:
    case J_OBJ:
        *o++ = n->kind == J_ARR ? '[' : '{';
        for (int c = n->first; c >= 0;) {
            if (c != n->first)
                *o++ = ',';
            o = emit(nodes, c, o);
            if (n->kind == J_OBJ) {
                *o++ = ':';
                c = nodes[c].next;
                o = emit(nodes, c, o);
            }
            c = nodes[c].next;
        }
        *o++ = n->kind == J_ARR ? ']' : '}';
        return o;
    }
    return o;
}

static int make_doc(long items)
{
    static const char *const tags[] = {"red", "green", "blue", "small", "large", "sale", "new"};
    size_t cap = (size_t)items * 200 + 64;
    char *d = realloc(doc, cap);
    char *t = realloc(text, 2 * cap); /* numbers may print longer than generated */
    int pc = (int)(items * 24 + 16);
    struct node *p = realloc(pool, (size_t)pc * sizeof *p);
    if (d)
        doc = d;
    if (t)
        text = t;
    if (p)
        pool = p;
    if (!d || !t || !p)
        return 0;
    text_cap = 2 * cap;
    pool_cap = pc;
    unsigned long long x = 0x5DEECE66DULL;
    char *o = doc;
    o += sprintf(o, "{\"count\":%ld,\"items\":[", items);
    for (long i = 0; i < items; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        o += sprintf(o,
                     "%s{\"id\":%ld,\"name\":\"item-%05llu\",\"price\":%llu.%02llu,"
                     "\"tags\":[\"%s\",\"%s\"],\"in_stock\":%s,"
                     "\"dims\":{\"w\":%.3f,\"h\":%llu,\"note\":null},\"text\":\"line\\nwith \\\"quotes\\\"\"}",
                     i ? "," : "", i, x % 100000, (x >> 20) % 1000, (x >> 30) % 100,
                     tags[(x >> 8) % 7], tags[(x >> 12) % 7], (x >> 40) & 1 ? "true" : "false",
                     (double)((x >> 44) % 10000) / 64.0, (x >> 50) % 500);
    }
    o += sprintf(o, "]}");
    doc_len = (size_t)(o - doc);
    doc_items = items;
    return 1;
}

static void app_handle(const struct request *rq, struct response *rs)
{
    long items;
    if (!app_param(rq, rs, "items", 4000, 1, MAX_ITEMS, &items))
        return;
    if (items != doc_items && !make_doc(items)) {
        doc_items = -1;
        app_text(rs, 500, "Internal Server Error", "out of memory for %ld items\n", items);
        return;
    }
    long long t0 = now_ns();
    struct parser ps = {.p = doc, .end = doc + doc_len, .nodes = pool, .cap = pool_cap};
    int root = value(&ps);
    ws(&ps);
    size_t out = 0;
    if (root >= 0 && ps.p == ps.end)
        out = (size_t)(emit(pool, root, text) - text);
    long long t1 = now_ns();
    if (root < 0 || ps.p != ps.end) {
        app_text(rs, 500, "Internal Server Error", "the generated document did not parse at byte %zu\n",
                 (size_t)(ps.p - doc));
        return;
    }
    app_text(rs, 200, "OK", "parsed %zu bytes into %d nodes and serialized %zu bytes\n",
             doc_len, ps.count, out);
    app_timed(rs, t1 - t0);
}
