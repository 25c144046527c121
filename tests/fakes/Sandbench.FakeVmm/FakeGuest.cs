using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sandbench.FakeVmm;

/// <summary>
/// What a booted guest shows the host: kernel lines and the Sandbench init's markers on the serial
/// console (this process's stdout), then the workload answering HTTP on the port its command line names.
/// Given <c>sandbench.run=ARGS</c> (run to completion), the workload "runs", init reports its status and ends the
/// guest with <c>sandbench.off</c> (poweroff by default): the fake VMM exits when that is how its real
/// counterpart ends (<paramref name="exitsOn"/>), and otherwise stays, as a halted guest's VMM does.
/// </summary>
internal sealed class FakeGuest(bool silent, string exitsOn) : IDisposable
{
    private Socket? _listener;

    public bool Booted { get; private set; }

    public void Boot(string cmdline, bool console)
    {
        Booted = true;
        int port = 8080;
        foreach (var arg in cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (arg.StartsWith("sandbench.port=", StringComparison.Ordinal)) port = int.Parse(arg["sandbench.port=".Length..], CultureInfo.InvariantCulture);
        void Say(string line)
        {
            if (console) Console.WriteLine(line);
        }
        _ = Task.Run(async () =>
        {
            Say("[    0.000000] Linux version 6.1.0-fake-amd64 (fake VMM guest)");
            Say($"[    0.000000] Command line: {cmdline}");
            if (silent) return;
            Say("[    0.120000] Freeing unused kernel image (initmem) memory: 1000K");
            Say("[    0.121000] Run /init as init process");
            Say("sandbench-init");
            Say("sandbench-net");
            if (cmdline.Contains(" sandbench.run=", StringComparison.Ordinal))
            {
                Say("hello: ok");
                Say("sandbench-exit 0");
                string off = cmdline.Contains("sandbench.off=reboot", StringComparison.Ordinal) ? "reboot" : "poweroff";
                Console.Out.Flush();
                if (off == exitsOn) Environment.Exit(0);
                return;
            }
            Say($"sandbench-start {Stopwatch.GetTimestamp()}");
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen(16);
            _listener = listener;
            Say($"sandbench-ready {Stopwatch.GetTimestamp()} fake");
            try
            {
                while (true)
                {
                    using var s = await listener.AcceptAsync();
                    var buffer = new byte[4096];
                    int n = 0;
                    while (!Encoding.ASCII.GetString(buffer, 0, n).Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        int r = await s.ReceiveAsync(buffer.AsMemory(n));
                        if (r == 0) break;
                        n += r;
                    }
                    await s.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n"u8.ToArray());
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        });
    }

    public void Dispose() => _listener?.Dispose();
}
