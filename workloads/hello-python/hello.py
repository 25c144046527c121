"""hello-python: the hello workload in Python (http.server), with the contract of workloads/hello/hello.c.

  hello.py [PORT]   serve on 0.0.0.0:PORT (argv, else $PORT, else 8080),
                    or on fd 3 when socket-activated (LISTEN_FDS)
  hello.py --probe  print "hello: ok" and exit
  hello.py --hang   print the start marker and sleep forever
"""
import os
import sys
import time

START = time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def marker(what, ns, how=None):
    os.write(1, f"sandbench-{what} {ns}{' ' + how if how else ''}\n".encode())


def main():
    args = sys.argv[1:]
    if len(args) > 1:
        sys.stderr.write("usage: hello.py [PORT | --probe | --hang]\n")
        return 2
    arg = args[0] if args else None
    if arg == "--probe":
        os.write(1, b"hello: ok\n")
        return 0
    if arg is not None and arg.startswith("-") and arg != "--hang":
        sys.stderr.write(f"hello.py: unknown option {arg}\n")
        return 2
    marker("start", START)
    import signal
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    if arg == "--hang":
        while True:
            signal.pause()

    import socket
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Hello(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive
        # The head and the body are two writes: with Nagle's algorithm the second waits for the peer's delayed ACK (40 ms).
        disable_nagle_algorithm = True

        def _answer(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(n)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"hello\n")

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _answer

        def log_message(self, *a):
            pass

    fds = os.environ.pop("LISTEN_FDS", "")
    os.environ.pop("LISTEN_PID", None)
    if fds.isdigit() and int(fds) >= 1:
        server = ThreadingHTTPServer(("0.0.0.0", 0), Hello, bind_and_activate=False)
        server.socket.close()
        server.socket = socket.socket(fileno=3)
        if not server.socket.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
            sys.stderr.write("hello.py: LISTEN_FDS set but fd 3 is not a listening socket\n")
            return 1
        how = "listen-fds"
    else:
        port_arg = arg or os.environ.get("PORT") or "8080"
        if not port_arg.isdigit() or not 1 <= int(port_arg) <= 65535:
            sys.stderr.write(f"hello.py: invalid port '{port_arg}'\n")
            return 2
        ThreadingHTTPServer.allow_reuse_address = True
        ThreadingHTTPServer.request_queue_size = 4096
        try:
            server = ThreadingHTTPServer(("0.0.0.0", int(port_arg)), Hello)
        except OSError as e:
            sys.stderr.write(f"hello.py: cannot listen on port {port_arg}: {e.strerror}\n")
            return 1
        how = "bind"
    server.daemon_threads = True
    marker("ready", time.clock_gettime_ns(time.CLOCK_MONOTONIC), how)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
