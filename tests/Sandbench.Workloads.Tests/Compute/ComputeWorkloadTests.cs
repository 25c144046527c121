using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Sandbench.Workloads.Tests.Compute;

/// <summary>
/// The compute and I/O workloads as built by the catalog, run as plain processes on 127.0.0.1: each answers with
/// its result and the time its own work took, and refuses a bad size with 400 and the reason.
/// </summary>
public sealed class ComputeWorkloadTests
{
    private static readonly WorkloadCatalog Catalog = new(WorkloadCatalog.DefaultCacheDir());

    /// <summary>A workload serving on a free loopback port; disposing kills it.</summary>
    private sealed class Served : IDisposable
    {
        private readonly Process _process;

        private Served(Process process, Uri url)
        {
            _process = process;
            Url = url;
        }

        public Uri Url { get; }

        public static async Task<Served> StartAsync(string workload)
        {
            var artifact = await Catalog.GetAsync(workload, TestContext.Current.CancellationToken);
            int port;
            using (var l = new TcpListener(IPAddress.Loopback, 0))
            {
                l.Start();
                port = ((IPEndPoint)l.LocalEndpoint).Port;
            }
            var p = Process.Start(new ProcessStartInfo(artifact.BinaryPath, port.ToString(CultureInfo.InvariantCulture))
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            // It prints "sandbench-ready" once it listens: wait for that line, not for a time.
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await p.StandardOutput.ReadLineAsync(limit.Token) is { } line)
                if (line.StartsWith("sandbench-ready", StringComparison.Ordinal)) break;
            return new Served(p, new Uri($"http://127.0.0.1:{port}/"));
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
        }
    }

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Theory]
    [InlineData("compress", "kib=4", "deflated 4096 bytes to ")]
    [InlineData("json", "items=10", "parsed ")]
    [InlineData("graph-bfs", "nodes=1000", "bfs from node 0 over 1000 nodes and 4000 edges: reached ")]
    [InlineData("file-io", "kib=8", "wrote, synced and read back 8 KiB in /tmp")]
    public async Task Get_SizedAndDefault_200WithResultAndItsOwnDuration(string workload, string query, string body)
    {
        using var served = await Served.StartAsync(workload);

        foreach (string target in new[] { "?" + query, "" })
        {
            using var r = await Http.GetAsync(new Uri(served.Url, target), TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            long ns = long.Parse(Assert.Single(r.Headers.GetValues("X-Function-Duration-Ns")), NumberStyles.None, CultureInfo.InvariantCulture);
            Assert.True(ns > 0, "a zero duration");
            string timing = Assert.Single(r.Headers.GetValues("Server-Timing"));
            Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"fn;dur={ns / 1_000_000}.{ns % 1_000_000:D6}"), timing);
            if (target.Length > 0) Assert.StartsWith(body, await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("compress", "kib=abc", "bad kib 'abc': want an integer from 1 to 65536\n")]
    [InlineData("compress", "kib=0", "bad kib '0': want an integer from 1 to 65536\n")]
    [InlineData("compress", "kib=65537", "bad kib '65537': want an integer from 1 to 65536\n")]
    [InlineData("compress", "kib=", "bad kib '': want an integer from 1 to 65536\n")]
    [InlineData("compress", "kib=1&kib=2", "kib given twice\n")]
    [InlineData("json", "items=-5", "bad items '-5': want an integer from 1 to 1000000\n")]
    [InlineData("json", "kib=5", "unknown parameter 'kib' (valid: items)\n")]
    [InlineData("graph-bfs", "nodes=1e6", "bad nodes '1e6': want an integer from 1 to 10000000\n")]
    [InlineData("file-io", "size=1", "unknown parameter 'size' (valid: kib)\n")]
    [InlineData("file-io", "kib=262145", "bad kib '262145': want an integer from 1 to 262144\n")]
    public async Task Get_BadSize_400WithTheReason_AndTheConnectionStillServes(string workload, string query, string reason)
    {
        using var served = await Served.StartAsync(workload);

        using var bad = await Http.GetAsync(new Uri(served.Url, "?" + query), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(reason, await bad.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.False(bad.Headers.Contains("X-Function-Duration-Ns"));
        using var good = await Http.GetAsync(new Uri(served.Url, "?"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }

    [Fact]
    public async Task Hello_SharedServer_AnswersExactlyAsBefore()
    {
        using var served = await Served.StartAsync("hello");
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, served.Url.Port), TestContext.Current.CancellationToken);
        await s.SendAsync("GET /any?thing HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray(),
            SocketFlags.None, TestContext.Current.CancellationToken);
        var got = new MemoryStream();
        var buf = new byte[4096];
        int n;
        while ((n = await s.ReceiveAsync(buf, SocketFlags.None, TestContext.Current.CancellationToken)) > 0) got.Write(buf, 0, n);

        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n" +
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n",
            System.Text.Encoding.ASCII.GetString(got.ToArray()));
    }
}
