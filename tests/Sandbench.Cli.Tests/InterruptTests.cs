using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Sandbench.Cli.Tests;

/// <summary>
/// Ctrl+C and kill -9 in the middle of a run: finished trials stay, and nothing of the sandboxes
/// (container, process, scratch directory) outlives the run, at once for SIGINT, after 'clean' for SIGKILL.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class InterruptTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private const int SigInt = 2;

    [Theory]
    [InlineData("process")]
    [InlineData("runc")]
    [InlineData("runsc")]
    [InlineData("qemu")]
    public async Task Run_SigintMidRun_DisposesLiveSandboxKeepsFinishedTrialsExits130(string runtime)
    {
        if (!CliHarness.IsRoot || (runtime != "process" && !CliHarness.Installed(runtime == "qemu" ? "qemu-system-x86_64" : runtime))) Assert.Skip($"needs root and {runtime}");
        var (p, stdout, live) = await StartRunUntilHangIsLiveAsync(runtime);
        using var _ = p;
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, Kill(p.Id, SigInt));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(1));
        await p.WaitForExitAsync(limit.Token);
        await stdout.Pump;

        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {stdout.Text} {await stderr}");
        Assert.Contains("interrupting", await stderr, StringComparison.Ordinal);
        var trials = _h.Query("SELECT workload, status FROM trials ORDER BY id", r => (r.GetString(0), r.GetString(1)));
        Assert.Equal([("hello", "ok"), ("hello", "ok"), ("hang", "interrupted")], trials);
        Assert.Equal("interrupted", _h.Query("SELECT status FROM runs", r => r.GetString(0)).Single());
        await AssertGoneAsync(live, runtime);
    }

    [Theory]
    [InlineData("process")]
    [InlineData("bwrap")]
    [InlineData("runc")]
    [InlineData("qemu")]
    public async Task Run_Sigkill_FinishedTrialsSurviveAndCleanRemovesLeftovers(string runtime)
    {
        if (!CliHarness.IsRoot || (runtime != "process" && !CliHarness.Installed(runtime == "qemu" ? "qemu-system-x86_64" : runtime))) Assert.Skip($"needs root and {runtime}");
        var (p, _, live) = await StartRunUntilHangIsLiveAsync(runtime);
        using var _ = p;

        p.Kill();
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);

        // The database opens and holds both finished trials; the run is still marked running.
        var trials = _h.Query("SELECT workload, status FROM trials ORDER BY id", r => (r.GetString(0), r.GetString(1)));
        Assert.Equal([("hello", "ok"), ("hello", "ok")], trials);
        Assert.Equal("running", _h.Query("SELECT status FROM runs", r => r.GetString(0)).Single());
        if (runtime is "process" or "bwrap" or "qemu") Assert.NotEmpty(live.Pids()); // outlived its owner, as expected before clean

        var clean = await _h.RunAsync("clean");

        Assert.True(clean.Code == 0, clean.Out + clean.Err);
        Assert.Contains($"removed {live.Name}", clean.Out, StringComparison.Ordinal);
        await AssertGoneAsync(live, runtime);
        Assert.Empty(Directory.GetDirectories(Path.Combine(_h.TmpDir, "sandbench")));
        Assert.Equal("nothing to clean", (await _h.RunAsync("clean")).Out.Trim());
    }

    /// <summary>
    /// Starts a run of two hello trials then a hang trial, and returns once both hello trials are
    /// stored and the hang trial's sandbox is alive: the moment to interrupt.
    /// </summary>
    private async Task<(Process Process, LineWatcher Stdout, LedgerEntry Live)> StartRunUntilHangIsLiveAsync(string runtime)
    {
        string plan = _h.WritePlan($"""
            name: interrupt
            runtimes: [{runtime}]
            workloads: [hello, hang]
            experiments:
              - type: coldstart
                iterations: 2
                warmup: 0
                timeout: 120s
            """);
        var p = Process.Start(_h.StartInfo("run", plan, "--db", _h.Db))!;
        p.StandardInput.Close();
        var stdout = new LineWatcher(p.StandardOutput);
        await stdout.WaitForAsync(lines => lines.Any(l => l.StartsWith("[2/4]", StringComparison.Ordinal)), TimeSpan.FromMinutes(2));
        LedgerEntry live = await WaitForLiveSandboxAsync();
        // The ledger is written just before the spawn: wait for the sandbox's processes themselves.
        while (runtime is "process" or "bwrap" or "qemu" && live.Pids().Count == 0) await Task.Delay(5, TestContext.Current.CancellationToken);
        return (p, stdout, live);
    }

    private sealed record LedgerEntry(string Name, string? WorkDir)
    {
        /// <summary>Host processes of the sandbox: they carry its name in their environment.</summary>
        public IReadOnlyList<int> Pids() =>
            [.. Directory.GetDirectories("/proc")
                .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
                .Where(pid => pid > 0 && !IsZombie(pid) && ReadEnviron(pid).Contains($"SANDBENCH_SANDBOX={Name}"))];

        private static string[] ReadEnviron(int pid)
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/environ").Split('\0');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return [];
            }
        }
    }

    /// <summary>Waits for the hang trial's sandbox to be recorded in the ledger (written when it starts).</summary>
    private async Task<LedgerEntry> WaitForLiveSandboxAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            foreach (var f in Directory.GetFiles(_h.StateDir, "*.json"))
            {
                try
                {
                    using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(f, limit.Token));
                    var e = new LedgerEntry(doc.RootElement.GetProperty("Name").GetString()!, doc.RootElement.GetProperty("WorkDir").GetString());
                    if (e.Name.EndsWith("-3", StringComparison.Ordinal)) return e;
                }
                catch (Exception ex) when (ex is IOException or JsonException)
                {
                    // Being written or removed right now: look again.
                }
            }
            await Task.Delay(5, limit.Token);
        }
    }

    private async Task AssertGoneAsync(LedgerEntry live, string runtime)
    {
        Assert.Empty(Directory.GetFiles(_h.StateDir, "*.json"));
        Assert.Empty(live.Pids());
        if (live.WorkDir is not null) Assert.False(Directory.Exists(live.WorkDir));
        if (runtime is "runc" or "runsc")
        {
            var psi = new ProcessStartInfo(runtime) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in runtime == "runsc" ? new[] { "--platform=ptrace", "list", "--quiet" } : ["list", "--quiet"]) psi.ArgumentList.Add(a);
            using var list = Process.Start(psi)!;
            string names = await list.StandardOutput.ReadToEndAsync();
            await list.WaitForExitAsync();
            Assert.DoesNotContain(live.Name, names, StringComparison.Ordinal);
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
