using System.Diagnostics;
using System.Runtime.InteropServices;
using Sandbench.Core.Workloads;

namespace Sandbench.Cli.Tests;

/// <summary>
/// <c>sandbench flow</c> end to end: MariaDB and the image server started for each trial, every function
/// in a real sandbox behind the gateway, latency per function stored; and what Ctrl+C, kill -9 and bad
/// flags get. Skips, saying what to install, where Python's MariaDB or image library or MariaDB is missing.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class FlowCliTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    [Fact]
    public async Task Flow_ProcessAndRunc_StoresEveryFunctionsColdAndWarmLatencyAndLeavesNothing()
    {
        SkipWithoutRetail("runc");

        var (code, stdout, stderr) = await _h.RunAsync("flow", "--runtimes", "process,runc", "--flows", "retail-purchase,retail-photos",
            "-n", "1", "--rounds", "3", "--db", _h.Db);

        Assert.True(code == 0, stdout + stderr);
        var trials = _h.Query("SELECT runtime, workload, status, error FROM trials ORDER BY id", r => (r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? "" : r.GetString(3)));
        Assert.Equal(4, trials.Count);
        Assert.All(trials, t => Assert.True(t.Item3 == "ok", $"{t.Item1} {t.Item2}: {t.Item4}"));
        var counts = _h.Query("""
            SELECT t.runtime, s.metric, COUNT(*) FROM samples s JOIN trials t ON t.id = s.trial_id
            WHERE t.workload = 'retail-purchase' AND (s.metric LIKE '%:%' OR s.metric = 'flow_ns') GROUP BY 1, 2
            """, r => (r.GetString(0), r.GetString(1), r.GetInt32(2)));
        foreach (var runtime in new[] { "process", "runc" })
        {
            // Every function's first request started its sandbox; each measured round calls each function once (the entry calls four).
            foreach (var f in Flows.Get("retail-purchase").Functions)
            {
                Assert.Contains((runtime, $"cold_ns:{f}", 1), counts);
                Assert.Contains((runtime, $"warm_ns:{f}", 3), counts);
            }
            Assert.Contains((runtime, "flow_ns", 3), counts);
        }
        // The chain's entry is timed around the four calls it makes through the gateway, so it takes longer than any of them.
        var warm = _h.Query("""
            SELECT s.metric, MIN(s.value) FROM samples s JOIN trials t ON t.id = s.trial_id
            WHERE t.runtime = 'process' AND t.workload = 'retail-purchase' AND s.metric LIKE 'warm_ns:%' GROUP BY 1
            """, r => (r.GetString(0), r.GetDouble(1))).ToDictionary(x => x.Item1, x => x.Item2);
        double entry = warm["warm_ns:purchase"];
        Assert.All(warm.Where(w => w.Key != "warm_ns:purchase"), w => Assert.True(w.Value < entry, $"{w.Key} {w.Value} ns vs purchase {entry} ns"));
        var (functions, version) = _h.Query("SELECT json_extract(parameters, '$.functions'), json_extract(parameters, '$.mariadb_version') FROM trials WHERE runtime = 'runc' AND workload = 'retail-photos'",
            r => (r.GetString(0), r.GetString(1))).Single();
        Assert.Equal("photos-assign,photos-receive", functions);
        Assert.Contains("MariaDB", version, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Flow_SigintWhileTheSecondTrialRuns_KeepsTheFirstAndStopsMariaDb()
    {
        SkipWithoutRetail(null);
        var p = Process.Start(_h.StartInfo("flow", "--runtimes", "process", "--flows", "retail-catalog", "-n", "3", "--rounds", "100000", "--db", _h.Db))!;
        using var _ = p;
        p.StandardInput.Close();
        var stdout = new LineWatcher(p.StandardOutput);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        // 100000 rounds take minutes: the signal lands in the middle of the first trial.
        await WaitForBackendsAsync("-1-backends");

        Assert.Equal(0, Kill(p.Id, 2));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(1));
        await p.WaitForExitAsync(limit.Token);
        await stdout.Pump;

        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {stdout.Text} {await stderr}");
        Assert.Equal(["interrupted"], _h.Query("SELECT status FROM trials", r => r.GetString(0)));
        AssertNothingLeft();
    }

    [Fact]
    public async Task Flow_Sigkill_CleanKillsTheBackendsTheTrialStarted()
    {
        SkipWithoutRetail(null);
        var p = Process.Start(_h.StartInfo("flow", "--runtimes", "process", "--flows", "retail-catalog", "-n", "1", "--rounds", "100000", "--db", _h.Db))!;
        using var _ = p;
        p.StandardInput.Close();
        var pids = await WaitForBackendsAsync("-1-backends");

        p.Kill();
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.NotEmpty(Marked()); // MariaDB and the image server outlived their owner, as expected before clean

        var clean = await _h.RunAsync("clean");

        Assert.True(clean.Code == 0, clean.Out + clean.Err);
        foreach (int pid in pids) Assert.Contains($"killed process {pid} of ", clean.Out, StringComparison.Ordinal);
        await WaitGoneAsync();
        AssertNothingLeft();
    }

    [Fact]
    public async Task Flow_BadFlags_OneLineEachAndNoResultsFile()
    {
        var (code, _, err) = await _h.RunAsync("flow", "--flows", "retail-catalog,nope", "--rounds", "0", "--db", _h.Db);

        Assert.Equal(2, code);
        Assert.Contains("--flows: unknown flow 'nope' (valid: retail-catalog, retail-photos, retail-purchase)", err, StringComparison.Ordinal);
        Assert.Contains("--rounds must be from 1 to 100000", err, StringComparison.Ordinal);
        Assert.False(File.Exists(_h.Db));
    }

    [Fact]
    public async Task Flow_OnAMicroVm_IsRefusedBeforeTheResultsFileIsMade()
    {
        var (code, _, err) = await _h.RunAsync("flow", "--runtimes", "qemu,process", "--db", _h.Db);

        Assert.Equal(2, code);
        Assert.Equal("error: qemu: a flow's functions run on the host's Python (/usr) and reach MariaDB on the host's 127.0.0.1, neither of which a microVM's guest has; run flows on process, bwrap, runc or runsc",
            err.Trim());
        Assert.False(File.Exists(_h.Db));
    }

    [Fact]
    public async Task Plan_FlowWorkloadInAColdStartSection_IsRefusedBeforeAnythingStarts()
    {
        string plan = _h.WritePlan("""
            name: mixed
            runtimes: [process]
            workloads: [hello, retail-catalog]
            experiments:
              - type: coldstart
                rounds: 5
              - type: flow
            """);

        var (code, _, err) = await _h.RunAsync("run", plan, "--db", _h.Db);

        Assert.Equal(2, code);
        var lines = err.Trim().Split('\n');
        Assert.Contains(lines, l => l.Contains("experiments[0]: coldstart cannot run 'retail-catalog': it is an application flow, run by the experiment flow", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("experiments[0].rounds: 'rounds' is a key of type flow only", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("experiments[1]: flow runs application flows (retail-catalog, retail-photos, retail-purchase), not the workload 'hello'", StringComparison.Ordinal));
        Assert.False(File.Exists(_h.Db));
    }

    /// <summary>Waits until the trial whose sandbox name ends in <paramref name="suffix"/> has MariaDB and the image server up; their pids.</summary>
    private async Task<IReadOnlyList<int>> WaitForBackendsAsync(string suffix)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(2));
        while (true)
        {
            var mine = Marked().Where(m => m.Name.EndsWith(suffix, StringComparison.Ordinal)).ToList();
            // Both servers are up once the image server (started second) exists and the flow's first sandbox has started.
            if (mine.Count >= 2 && Directory.GetFiles(_h.StateDir, "*.json").Length > 0) return [.. mine.Select(m => m.Pid)];
            await Task.Delay(5, limit.Token);
        }
    }

    private async Task WaitGoneAsync()
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        while (Marked().Count > 0) await Task.Delay(5, limit.Token); // SIGKILL is delivered asynchronously
    }

    /// <summary>Processes (not zombies) whose environment names a sandbox and this test's TMPDIR (inherited from its Sandbench).</summary>
    private List<(int Pid, string Name)> Marked()
    {
        var found = new List<(int, string)>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                if (File.ReadAllText($"/proc/{pid}/stat") is var stat && stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z')) continue;
                var env = File.ReadAllText($"/proc/{pid}/environ").Split('\0');
                var entry = env.FirstOrDefault(e => e.StartsWith("SANDBENCH_SANDBOX=sb-", StringComparison.Ordinal));
                if (entry is not null && env.Contains($"TMPDIR={_h.TmpDir}")) found.Add((pid, entry[18..]));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }
        return found;
    }

    private void AssertNothingLeft()
    {
        Assert.Empty(Marked());
        Assert.Empty(Directory.GetFiles(_h.StateDir, "*.json"));
        string tmp = Path.Combine(_h.TmpDir, "sandbench");
        Assert.True(!Directory.Exists(tmp) || Directory.GetDirectories(tmp).Length == 0, "a run directory was left behind");
    }

    private static void SkipWithoutRetail(string? runtime)
    {
        if (!CliHarness.IsRoot) Assert.Skip("needs root");
        if (runtime is not null && !CliHarness.Installed(runtime)) Assert.Skip($"needs {runtime}");
        var (_, path, problem) = Sandbench.Workloads.WorkloadCatalog.Toolchains().Single(t => t.Workload == "retail-catalog");
        if (path is null) Assert.Skip(problem);
    }
}
