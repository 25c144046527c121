using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Sandbench.Cli.Tests;

/// <summary><c>sandbench gateway</c> as a user runs it: bad flags, then serve, Ctrl+C, the run in the store and in <c>show</c>.</summary>
public sealed partial class GatewayCliTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"gateway on (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex ListeningLine();

    [Fact]
    public async Task Gateway_BadFlags_EveryProblemOnItsLineExits2()
    {
        var (code, _, err) = await _h.RunAsync("gateway", "--runtime", "vmware", "--workload", "nope", "--concurrency", "-1", "--max-scale", "0",
            "--idle-window", "soon", "--port", "70000", "--db", _h.Db);

        Assert.Equal(2, code);
        string[] lines = err.Trim().Split('\n');
        Assert.Contains(lines, l => l.StartsWith("error: --runtime: unknown runtime 'vmware' (valid: process,", StringComparison.Ordinal));
        Assert.Contains("error: --workload: unknown workload 'nope' (valid: hello, hang, syscall, compress, json, graph-bfs, file-io, hello-go, hello-python, hello-node, hello-java, hello-csharp)", lines);
        Assert.Contains("error: --port must be from 0 to 65535, got 70000", lines);
        Assert.Contains("error: --idle-window takes a duration above 0 such as 500ms or 30s (got 'soon')", lines);
        Assert.Contains("error: --concurrency must be 0 (no limit) or more, got -1", lines);
        Assert.Contains("error: --max-scale must be at least 1, got 0", lines);
        Assert.False(File.Exists(_h.Db));
    }

    [Fact]
    public async Task Gateway_ServeThenSigint_RequestsStoredShownAndNothingLeft()
    {
        if (!CliHarness.IsRoot) Assert.Skip("needs root");
        var ct = TestContext.Current.CancellationToken;
        using var p = Process.Start(_h.StartInfo("gateway", "--runtime", "process", "--port", "0", "--concurrency", "1", "--db", _h.Db))!;
        p.StandardInput.Close();
        var stdout = new LineWatcher(p.StandardOutput);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await stdout.WaitForAsync(lines => lines.Any(l => ListeningLine().IsMatch(l)), TimeSpan.FromMinutes(2));
        var url = new Uri(ListeningLine().Match(stdout.Text).Groups[1].Value);

        using (var client = new HttpClient())
        {
            for (int i = 0; i < 3; i++) Assert.Equal("hello\n", await client.GetStringAsync(url, ct));
        }
        await stdout.WaitForAsync(lines => lines.Any(l => l.Contains(" ready ", StringComparison.Ordinal)), TimeSpan.FromMinutes(1));
        Assert.Equal(0, Kill(p.Id, 2));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromMinutes(1));
        await p.WaitForExitAsync(limit.Token);
        await stdout.Pump;

        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {stdout.Text} {await stderr}");
        Assert.Contains("starting", stdout.Text);
        Assert.Contains("stopped (shutdown) after 3 requests", stdout.Text);
        Assert.Contains("stopped: 3 requests, 1 sandboxes", stdout.Text);
        var requests = _h.Query("SELECT cold, status, sandbox FROM gateway_requests ORDER BY arrival_ns", r => (r.GetInt64(0), r.GetInt64(1), r.GetString(2)));
        Assert.Equal([1L, 0L, 0L], requests.Select(r => r.Item1));
        Assert.All(requests, r => Assert.Equal(200L, r.Item2));
        Assert.Single(requests.Select(r => r.Item3).Distinct());
        Assert.Equal("shutdown", _h.Query("SELECT stop_reason FROM gateway_sandboxes", r => r.GetString(0)).Single());
        Assert.Equal(("gateway", "completed"), _h.Query("SELECT plan_name, status FROM runs", r => (r.GetString(0), r.GetString(1))).Single());
        Assert.Empty(Directory.GetFiles(_h.StateDir, "*.json"));

        var (code, shown, _) = await _h.RunAsync("show", "--db", _h.Db);
        Assert.Equal(0, code);
        Assert.Contains("gateway: time to first byte at the gateway", shown);
        Assert.Matches(@"│ hello\s+│ process\s+│\s+3 │\s+0 │\s+1 │\s+2 │", shown);
    }
}
