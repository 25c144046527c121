using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Sandbench.Load.Tests;

/// <summary>`sandbench load` as a user runs it, against the real hello on 127.0.0.1.</summary>
public sealed partial class CliTests(HelloServer hello) : IClassFixture<HelloServer>
{
    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private static Process Start(params string[] args) => SandbenchProcess.Start(["load", .. args]);

    [Fact]
    public async Task Load_ClosedLoopJson_EverythingInTheDocument()
    {
        using var p = Start(hello.Url.ToString(), "--closed", "--concurrency", "4", "--duration", "1s", "--json");
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(p.ExitCode == 0, await stderr);
        using var doc = JsonDocument.Parse(await stdout);
        var r = doc.RootElement;
        Assert.Equal("closed", r.GetProperty("mode").GetString());
        Assert.True(r.GetProperty("completed").GetInt64() > 100);
        Assert.Equal(r.GetProperty("completed").GetInt64(), r.GetProperty("statusCodes").GetProperty("200").GetInt64());
        foreach (var k in new[] { "p50", "p90", "p99", "p999", "max", "mean", "stdDev" })
        {
            Assert.True(r.GetProperty("corrected").GetProperty(k).GetDouble() > 0, k);
            Assert.True(r.GetProperty("uncorrected").GetProperty(k).GetDouble() >= 0, k);
        }
        Assert.Equal(1, r.GetProperty("seconds").GetArrayLength());
        Assert.Equal("ms", r.GetProperty("latencyUnit").GetString());
    }

    [Fact]
    public async Task Load_Sigint_PrintsWhatWasMeasuredAndExits130()
    {
        using var p = Start(hello.Url.ToString(), "--rate", "100", "--duration", "60s", "--json");
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        // The first progress line (after about 1 s) says requests are flowing; a busy host may take long to start the tool.
        using var started = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        started.CancelAfter(TimeSpan.FromSeconds(60));
        var line = await p.StandardError.ReadLineAsync(started.Token);
        Assert.StartsWith("[", line, StringComparison.Ordinal);

        Assert.Equal(0, Kill(p.Id, 2));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        await p.WaitForExitAsync(limit.Token);

        Assert.Equal(130, p.ExitCode);
        using var doc = JsonDocument.Parse(await stdout);
        Assert.True(doc.RootElement.GetProperty("interrupted").GetBoolean());
        Assert.InRange(doc.RootElement.GetProperty("completed").GetInt64(), 80, 500);
    }
}
