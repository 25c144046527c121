/*
 * hello: the function under test for Sandbench cold-start measurements.
 *
 * A tiny single-threaded HTTP/1.1 server (workloads/common/httpd.h) that
 * answers every request with "hello\n". It is deliberately static and
 * dependency-free so that what a sandbox measurement sees is the cost of the
 * sandbox, not of the function.
 *
 *   hello [PORT]      serve on 0.0.0.0:PORT (argv, else $PORT, else 8080),
 *                     or on fd 3 when socket-activated (LISTEN_FDS)
 *   hello --probe     print "hello: ok" and exit (can the runtime run us?)
 *   hello --hang      print the start marker and sleep forever (timeouts)
 *
 * Build: gcc -static -O2 -Wall -Wextra -Werror -I../common -o hello hello.c
 */
#define APP_NAME "hello"
#include "httpd.h"

static void app_handle(const struct request *rq, struct response *rs)
{
    (void)rq;
    rs->body = "hello\n";
    rs->body_len = 6;
}
