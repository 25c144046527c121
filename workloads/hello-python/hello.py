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
# serve.py (workloads/common) sits beside this file; -I leaves the script's directory off sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve  # noqa: E402


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
    serve.start(START, hang=arg == "--hang")

    from http.server import BaseHTTPRequestHandler

    class Hello(BaseHTTPRequestHandler):
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

    return serve.serve("hello.py", Hello, arg)


if __name__ == "__main__":
    sys.exit(main())
