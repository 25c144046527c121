// hello-java: the hello workload in Java, with the contract of workloads/hello/hello.c.
//
//   Hello [PORT]   serve on 0.0.0.0:PORT (argv, else $PORT, else 8080), or on the inherited
//                  socket when socket-activated (LISTEN_FDS; the launcher moves fd 3 to fd 0,
//                  the only fd Java can adopt, through System.inheritedChannel())
//   Hello --probe  print "hello: ok" and exit
//   Hello --hang   print the start marker and sleep forever
//
// The JDK's own HTTP server cannot adopt an inherited socket, so this is a small blocking
// HTTP/1.1 server: a thread per connection, keep-alive, request bodies discarded.
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;

public final class Hello {
    private static final byte[] OK = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK_CLOSE = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
            + "Connection: close\r\n\r\nhello\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BAD = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), true);

    private static void marker(String what, long ns, String how) {
        OUT.print("sandbench-" + what + " " + ns + (how == null ? "" : " " + how) + "\n");
    }

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime(); // CLOCK_MONOTONIC on Linux
        if (args.length > 1) {
            System.err.println("usage: Hello [PORT | --probe | --hang]");
            System.exit(2);
        }
        String arg = args.length == 1 ? args[0] : null;
        if ("--probe".equals(arg)) {
            OUT.print("hello: ok\n");
            return;
        }
        if (arg != null && arg.startsWith("-") && !"--hang".equals(arg)) {
            System.err.println("Hello: unknown option " + arg);
            System.exit(2);
        }
        marker("start", start, null);
        if ("--hang".equals(arg)) {
            Thread.sleep(Long.MAX_VALUE);
        }
        ServerSocket server;
        String how;
        String fds = System.getenv("LISTEN_FDS");
        if (fds != null && !fds.isEmpty()) {
            Channel ch = System.inheritedChannel();
            if (!(ch instanceof ServerSocketChannel ssc)) {
                System.err.println("Hello: LISTEN_FDS set but the inherited fd is not a listening socket");
                System.exit(1);
                return;
            }
            server = ssc.socket();
            how = "listen-fds";
        } else {
            String portArg = arg != null ? arg : System.getenv("PORT") != null ? System.getenv("PORT") : "8080";
            int port;
            try {
                port = Integer.parseInt(portArg);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                System.err.println("Hello: invalid port '" + portArg + "'");
                System.exit(2);
            }
            server = new ServerSocket();
            server.setReuseAddress(true);
            try {
                server.bind(new InetSocketAddress(port), 4096);
            } catch (IOException e) {
                System.err.println("Hello: cannot listen on port " + port + ": " + e.getMessage());
                System.exit(1);
            }
            how = "bind";
        }
        marker("ready", System.nanoTime(), how);
        for (;;) {
            Socket s = server.accept();
            Thread t = new Thread(() -> serve(s));
            t.setDaemon(true);
            t.start();
        }
    }

    private static void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            OutputStream out = s.getOutputStream();
            StringBuilder line = new StringBuilder();
            for (;;) {
                // Request line (stray empty lines between requests are skipped).
                String request;
                do {
                    request = readLine(in, line);
                    if (request == null) return;
                } while (request.isEmpty());
                if (!request.matches("\\S+ \\S+ HTTP/1\\.[01]")) {
                    out.write(BAD);
                    return;
                }
                boolean http10 = request.endsWith("1.0");
                boolean close = false, keep = false, expect = false;
                long length = 0;
                for (;;) {
                    String h = readLine(in, line);
                    if (h == null) return;
                    if (h.isEmpty()) break;
                    int colon = h.indexOf(':');
                    if (colon < 0) {
                        out.write(BAD);
                        return;
                    }
                    String name = h.substring(0, colon).trim().toLowerCase();
                    String value = h.substring(colon + 1).trim().toLowerCase();
                    switch (name) {
                        case "connection" -> {
                            close |= value.contains("close");
                            keep |= value.contains("keep-alive");
                        }
                        case "content-length" -> {
                            try {
                                length = Long.parseLong(value);
                            } catch (NumberFormatException e) {
                                out.write(BAD);
                                return;
                            }
                        }
                        case "expect" -> expect = value.equals("100-continue");
                        default -> { }
                    }
                }
                if (expect && length > 0 && !http10) out.write(CONTINUE);
                while (length > 0) {
                    long n = in.skip(length);
                    if (n <= 0) {
                        if (in.read() < 0) return;
                        n = 1;
                    }
                    length -= n;
                }
                if (close || (http10 && !keep)) {
                    out.write(OK_CLOSE);
                    return;
                }
                out.write(OK);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** A line without its CRLF or LF; null at end of stream. */
    private static String readLine(InputStream in, StringBuilder sb) throws IOException {
        sb.setLength(0);
        for (;;) {
            int c = in.read();
            if (c < 0) return sb.length() == 0 ? null : sb.toString();
            if (c == '\n') break;
            sb.append((char) c);
            if (sb.length() > 16 * 1024) throw new IOException("header too large");
        }
        int n = sb.length();
        if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
        return sb.toString();
    }
}
