"""serve: what the Python workloads share with workloads/common/httpd.h (the readiness markers, socket
activation on fd 3, PORT from argv or the environment, keep-alive without Nagle's 40 ms).
"""
import os
import sys
import time


def marker(what, ns, how=None):
    os.write(1, f"sandbench-{what} {ns}{' ' + how if how else ''}\n".encode())


def start(start_ns, hang):
    """The start marker (stamped by the caller at its first line), SIGTERM and SIGINT exit at once; --hang sleeps forever."""
    marker("start", start_ns)
    import signal
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    if hang:
        while True:
            signal.pause()


def serve(prog, handler, port_arg):
    """Serves handler (a BaseHTTPRequestHandler; made HTTP/1.1 keep-alive with TCP_NODELAY: http.server writes a
    reply's head and body in two sends, and without it the body waits for the peer's delayed ACK, 40 ms) on fd 3
    when socket-activated (LISTEN_FDS), else on port_arg, $PORT or 8080; prints the ready marker. Returns an exit code."""
    import socket
    from http.server import ThreadingHTTPServer
    handler.protocol_version = "HTTP/1.1"
    handler.disable_nagle_algorithm = True
    handler.log_message = lambda *a: None
    fds = os.environ.pop("LISTEN_FDS", "")
    os.environ.pop("LISTEN_PID", None)
    if fds.isdigit() and int(fds) >= 1:
        server = ThreadingHTTPServer(("0.0.0.0", 0), handler, bind_and_activate=False)
        server.socket.close()
        server.socket = socket.socket(fileno=3)
        if not server.socket.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
            sys.stderr.write(f"{prog}: LISTEN_FDS set but fd 3 is not a listening socket\n")
            return 1
        how = "listen-fds"
    else:
        port_arg = port_arg or os.environ.get("PORT") or "8080"
        if not port_arg.isdigit() or not 1 <= int(port_arg) <= 65535:
            sys.stderr.write(f"{prog}: invalid port '{port_arg}'\n")
            return 2
        ThreadingHTTPServer.allow_reuse_address = True
        ThreadingHTTPServer.request_queue_size = 4096
        try:
            server = ThreadingHTTPServer(("0.0.0.0", int(port_arg)), handler)
        except OSError as e:
            sys.stderr.write(f"{prog}: cannot listen on port {port_arg}: {e.strerror}\n")
            return 1
        how = "bind"
    server.daemon_threads = True
    marker("ready", time.clock_gettime_ns(time.CLOCK_MONOTONIC), how)
    server.serve_forever()
    return 0
