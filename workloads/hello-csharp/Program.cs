// hello-csharp: the hello workload in C# (.NET, framework-dependent), with the contract of workloads/hello/hello.c.
//
//   hello [PORT]   serve on 0.0.0.0:PORT (argv, else $PORT, else 8080),
//                  or on fd 3 when socket-activated (LISTEN_FDS)
//   hello --probe  print "hello: ok" and exit
//   hello --hang   print the start marker and sleep forever
//
// A small HTTP/1.1 server on raw sockets (Kestrel would measure ASP.NET's start-up, not the
// language's): a task per connection, keep-alive, request bodies discarded.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

long start = Stopwatch.GetTimestamp(); // CLOCK_MONOTONIC in ns on Linux
using var stdout = Console.OpenStandardOutput();
void Marker(string what, long ns, string? how) =>
    stdout.Write(Encoding.ASCII.GetBytes($"sandbench-{what} {ns}{(how is null ? "" : " " + how)}\n"));

if (args.Length > 1) { Console.Error.WriteLine("usage: hello [PORT | --probe | --hang]"); return 2; }
string? arg = args.Length == 1 ? args[0] : null;
if (arg == "--probe") { stdout.Write("hello: ok\n"u8); return 0; }
if (arg is not null && arg.StartsWith('-') && arg != "--hang") { Console.Error.WriteLine($"hello: unknown option {arg}"); return 2; }
Marker("start", start, null);
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Environment.Exit(0));
using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => Environment.Exit(0));
if (arg == "--hang") await Task.Delay(Timeout.Infinite);

Socket listener;
string how;
if (int.TryParse(Environment.GetEnvironmentVariable("LISTEN_FDS"), out int fds) && fds >= 1)
{
    Environment.SetEnvironmentVariable("LISTEN_FDS", null);
    Environment.SetEnvironmentVariable("LISTEN_PID", null);
    listener = new Socket(new SafeSocketHandle(3, ownsHandle: true));
    how = "listen-fds";
}
else
{
    string portArg = arg ?? Environment.GetEnvironmentVariable("PORT") ?? "8080";
    if (!int.TryParse(portArg, out int port) || port is < 1 or > 65535) { Console.Error.WriteLine($"hello: invalid port '{portArg}'"); return 2; }
    listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
    try
    {
        listener.Bind(new IPEndPoint(IPAddress.Any, port));
        listener.Listen(4096);
    }
    catch (SocketException e)
    {
        Console.Error.WriteLine($"hello: cannot listen on port {port}: {e.Message}");
        return 1;
    }
    how = "bind";
}
Marker("ready", Stopwatch.GetTimestamp(), how);
for (;;)
{
    var s = await listener.AcceptAsync();
    _ = Task.Run(() => Http.ServeAsync(s));
}

static class Http
{
    private static readonly byte[] Ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n"u8.ToArray();
    private static readonly byte[] OkClose = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n"u8.ToArray();
    private static readonly byte[] Continue = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();
    private static readonly byte[] Bad = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();

    public static async Task ServeAsync(Socket s)
    {
        using var _ = s;
        s.NoDelay = true;
        var buf = new byte[16 * 1024];
        int len = 0;
        try
        {
            for (;;)
            {
                // Skip stray CRLFs, then find the end of the header section.
                int off = 0;
                while (off < len && (buf[off] == '\r' || buf[off] == '\n')) off++;
                int end = HeaderEnd(buf, off, len);
                while (end < 0)
                {
                    if (len == buf.Length) { await s.SendAsync(Bad); return; }
                    int n = await s.ReceiveAsync(buf.AsMemory(len));
                    if (n == 0) return;
                    len += n;
                    while (off < len && (buf[off] == '\r' || buf[off] == '\n')) off++;
                    end = HeaderEnd(buf, off, len);
                }
                var lines = Encoding.ASCII.GetString(buf, off, end - off).Split('\n');
                string request = lines[0].TrimEnd('\r');
                if (!request.Contains(' ') || !(request.EndsWith(" HTTP/1.1") || request.EndsWith(" HTTP/1.0"))) { await s.SendAsync(Bad); return; }
                bool http10 = request.EndsWith('0'), close = false, keep = false, expect = false;
                long length = 0;
                foreach (var raw in lines.Skip(1))
                {
                    string h = raw.TrimEnd('\r');
                    if (h.Length == 0) break;
                    int colon = h.IndexOf(':');
                    if (colon < 0) { await s.SendAsync(Bad); return; }
                    string name = h[..colon].Trim().ToLowerInvariant(), value = h[(colon + 1)..].Trim().ToLowerInvariant();
                    if (name == "connection") { close |= value.Contains("close"); keep |= value.Contains("keep-alive"); }
                    else if (name == "content-length" && !long.TryParse(value, out length)) { await s.SendAsync(Bad); return; }
                    else if (name == "expect") expect = value == "100-continue";
                }
                if (expect && length > 0 && !http10) await s.SendAsync(Continue);
                // Drop the header, then the body, from the buffer; read what of the body is not there yet.
                Buffer.BlockCopy(buf, end, buf, 0, len - end);
                len -= end;
                while (length > 0)
                {
                    if (len == 0)
                    {
                        len = await s.ReceiveAsync(buf.AsMemory());
                        if (len == 0) return;
                    }
                    int take = (int)Math.Min(length, len);
                    Buffer.BlockCopy(buf, take, buf, 0, len - take);
                    len -= take;
                    length -= take;
                }
                if (close || (http10 && !keep)) { await s.SendAsync(OkClose); return; }
                await s.SendAsync(Ok);
            }
        }
        catch (SocketException)
        {
            // the client went away
        }
    }

    /// <summary>Index just past the blank line that ends the header section, or -1.</summary>
    private static int HeaderEnd(byte[] b, int from, int len)
    {
        for (int i = from; i < len; i++)
        {
            if (b[i] != '\n') continue;
            if (i + 1 < len && b[i + 1] == '\n') return i + 2;
            if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n') return i + 3;
        }
        return -1;
    }
}
