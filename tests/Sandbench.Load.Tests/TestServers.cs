using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sandbench.Workloads;

namespace Sandbench.Load.Tests;

/// <summary>The real 'hello' workload on 127.0.0.1, started once for the tests that need it.</summary>
public sealed class HelloServer : IAsyncLifetime
{
    private Process? _process;

    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    public async ValueTask InitializeAsync()
    {
        var artifact = await new WorkloadCatalog(WorkloadCatalog.DefaultCacheDir()).GetAsync("hello", CancellationToken.None);
        int port = FreePort();
        var psi = new ProcessStartInfo(artifact.BinaryPath, port.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(psi)!;
        // hello prints "sandbench-ready" once it listens: wait for that line, not for a time.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await _process.StandardOutput.ReadLineAsync(limit.Token) is { } line)
            if (line.StartsWith("sandbench-ready", StringComparison.Ordinal)) break;
        Url = new Uri($"http://127.0.0.1:{port}/");
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false }) _process.Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>A misbehaving server on 127.0.0.1: it accepts and then does what the test asks with each connection.</summary>
public sealed class BadServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _held = [];
    private readonly Task _loop;

    public BadServer(Func<Socket, List<Socket>, Task> onConnection)
    {
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var s = await _listener.AcceptSocketAsync(_stop.Token);
                    _ = onConnection(s, _held);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Accepts and never answers.</summary>
    public static BadServer Stalling() => new((s, held) =>
    {
        lock (held) held.Add(s);
        return Task.CompletedTask;
    });

    /// <summary>Reads the request, then resets the connection (RST).</summary>
    public static BadServer Resetting() => new(async (s, _) =>
    {
        var buf = new byte[4096];
        try
        {
            await s.ReceiveAsync(buf);
            s.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }
        s.Dispose();
    });

    /// <summary>Answers every request (read in one piece) with a small 200 after <paramref name="delay"/>.</summary>
    public static BadServer Slow(TimeSpan delay) => new(async (s, _) =>
    {
        var buf = new byte[4096];
        try
        {
            while (await s.ReceiveAsync(buf) > 0)
            {
                await Task.Delay(delay);
                await s.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
            }
        }
        catch (SocketException)
        {
        }
        s.Dispose();
    });

    /// <summary>Answers every request (read in one piece) with <paramref name="response"/>, at once.</summary>
    public static BadServer Answering(string response) => new(async (s, _) =>
    {
        var buf = new byte[4096];
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(response);
        try
        {
            while (await s.ReceiveAsync(buf) > 0) await s.SendAsync(bytes);
        }
        catch (SocketException)
        {
        }
        s.Dispose();
    });

    /// <summary>Reads requests of exactly <paramref name="requestBytes"/> bytes (however they arrive) and answers each with a small 200.</summary>
    public static BadServer Reading(int requestBytes) => new(async (s, _) =>
    {
        var buf = new byte[64 * 1024];
        try
        {
            while (true)
            {
                for (int left = requestBytes; left > 0;)
                {
                    int n = await s.ReceiveAsync(buf.AsMemory(0, Math.Min(buf.Length, left)));
                    if (n == 0) return;
                    left -= n;
                }
                await s.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
            }
        }
        catch (SocketException)
        {
        }
        finally
        {
            s.Dispose();
        }
    });

    /// <summary>Answers every request with something that is not HTTP.</summary>
    public static BadServer Garbage() => new(async (s, _) =>
    {
        var buf = new byte[4096];
        try
        {
            while (await s.ReceiveAsync(buf) > 0) await s.SendAsync("SSH-2.0-nope\r\n"u8.ToArray());
        }
        catch (SocketException)
        {
        }
        s.Dispose();
    });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        lock (_held) foreach (var s in _held) s.Dispose();
        _stop.Dispose();
    }
}
