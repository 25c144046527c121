using System.Text.Json;

namespace Sandbench.Cli.Tests;

/// <summary>End-to-end runs with real sandboxes, checked through the results file and the other verbs.</summary>
[Trait("Category", "Integration")]
public sealed class RunTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task ColdStart_ProcessAndRunc_StoresEveryTrialAndShowsStatistics()
    {
        if (!CliHarness.IsRoot || !CliHarness.Installed("runc")) Assert.Skip("needs root and runc");

        var (code, stdout, err) = await _h.RunAsync("coldstart", "--runtimes", "process,runc", "-n", "3", "--warmup", "1", "--db", _h.Db);

        Assert.True(code == 0, stdout + err);
        var trials = _h.Query("SELECT runtime, warmup, status FROM trials", r => (r.GetString(0), r.GetInt32(1), r.GetString(2)));
        Assert.Equal(8, trials.Count);
        Assert.Equal(2, trials.Count(t => t.Item2 == 1));
        Assert.All(trials, t => Assert.Equal("ok", t.Item3));
        Assert.Equal(4, trials.Count(t => t.Item1 == "runc"));
        var phases = _h.Query("SELECT DISTINCT name FROM phases", r => r.GetString(0));
        foreach (var p in new[] { "spawn", "created", "started", "workload-start", "listening", "request-sent", "first-byte", "done" })
            Assert.Contains(p, phases);
        Assert.Contains("runtime.runc.version", _h.Query("SELECT key FROM environment", r => r.GetString(0)));

        string runId = _h.Query("SELECT id FROM runs", r => r.GetString(0)).Single();
        var runs = await _h.RunAsync("runs", "--db", _h.Db);
        Assert.Contains(runId, runs.Out, StringComparison.Ordinal);
        var show = await _h.RunAsync("show", runId[..4], "--db", _h.Db, "--json");
        Assert.Equal(0, show.Code);
        using var json = JsonDocument.Parse(show.Out);
        var coldstart = json.RootElement.GetProperty("coldstart").EnumerateArray().ToList();
        Assert.Equal(["process", "runc"], coldstart.Select(c => c.GetProperty("runtime").GetString()));
        Assert.All(coldstart, c => Assert.Equal(3, c.GetProperty("coldStartMs").GetProperty("n").GetInt32()));
        var table = await _h.RunAsync("show", "--db", _h.Db);
        Assert.Contains("p99", table.Out, StringComparison.Ordinal);
        Assert.Contains("95% CI", table.Out, StringComparison.Ordinal);
        Assert.Contains("first-byte", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Boot_ProcessAndQemu_StoresTimesMemoryAndResourceSeries()
    {
        if (!CliHarness.IsRoot || !CliHarness.Installed("qemu-system-x86_64")) Assert.Skip("needs root and qemu-system-x86_64");

        var (code, stdout, err) = await _h.RunAsync("boot", "--runtimes", "process,qemu", "-n", "1", "--warmup", "0", "--db", _h.Db);

        Assert.True(code == 0, stdout + err);
        Assert.Contains("boot ms", stdout, StringComparison.Ordinal);
        Assert.Contains("peak RSS MiB", stdout, StringComparison.Ordinal);
        Assert.Contains("guest-init", stdout, StringComparison.Ordinal);
        var metrics = _h.Query("SELECT t.runtime || ' ' || s.metric FROM samples s JOIN trials t ON t.id = s.trial_id", r => r.GetString(0));
        foreach (var m in new[] { "qemu run_ns", "qemu boot_ns", "qemu vmm_start_ns", "qemu image_bytes", "qemu rss_peak_bytes", "process run_ns" })
            Assert.Contains(m, metrics);
        var readings = _h.Query("SELECT t.runtime, COUNT(*) FROM resources r JOIN trials t ON t.id = r.trial_id GROUP BY t.runtime",
            r => (r.GetString(0), r.GetInt64(1)));
        Assert.Contains(readings, x => x.Item1 == "qemu" && x.Item2 >= 10);
        // The host, every second of the run (a boot takes ~2 s here): CPU per core, memory, load.
        var host = _h.Query("SELECT DISTINCT metric FROM host_metrics", r => r.GetString(0));
        foreach (var m in new[] { "cpu_busy", "cpu_busy.cpu0", "mem_available_bytes", "load1" }) Assert.Contains(m, host);
        Assert.Contains("host during the run", stdout, StringComparison.Ordinal);
        var show = await _h.RunAsync("show", "--db", _h.Db, "--json");
        using var json = JsonDocument.Parse(show.Out);
        var boot = json.RootElement.GetProperty("boot").EnumerateArray().ToList();
        Assert.Equal(["process", "qemu"], boot.Select(b => b.GetProperty("runtime").GetString()));
        Assert.Equal(1, boot[1].GetProperty("bootMs").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task ColdStart_UnusableRuntime_IsSkippedWithItsReasonOrRefusedWhenStrict()
    {
        if (!CliHarness.IsRoot || !CliHarness.Installed("crun")) Assert.Skip("needs root and crun");
        var doctor = await _h.RunAsync("doctor", "--json");
        using var json = JsonDocument.Parse(doctor.Out);
        var crun = json.RootElement.GetProperty("runtimes").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "crun");
        if (crun.GetProperty("usable").GetBoolean()) Assert.Skip("crun is usable on this host");
        string reason = crun.GetProperty("reason").GetString()!;

        var lenient = await _h.RunAsync("coldstart", "--runtimes", "process,crun", "-n", "1", "--warmup", "0", "--db", _h.Db);
        var strict = await _h.RunAsync("coldstart", "--runtimes", "process,crun", "-n", "1", "--warmup", "0", "--db", _h.Db, "--strict");

        Assert.Equal(0, lenient.Code);
        Assert.Contains($"skipping crun: {reason}", lenient.Out, StringComparison.Ordinal);
        Assert.Equal(3, strict.Code);
        Assert.Contains($"runtime crun is not usable: {reason}", strict.Err, StringComparison.Ordinal);
        Assert.Single(_h.Query("SELECT id FROM runs", r => r.GetString(0)));
    }

    [Fact]
    public async Task Run_WorkloadThatNeverListens_RecordsTimeoutsAndGoesOn()
    {
        if (!CliHarness.IsRoot) Assert.Skip("needs root");
        string plan = _h.WritePlan("""
            name: hang
            runtimes: [process]
            workloads: [hang, hello]
            experiments:
              - type: coldstart
                iterations: 2
                warmup: 0
                timeout: 300ms
            """);

        var (code, stdout, _) = await _h.RunAsync("run", plan, "--db", _h.Db);

        Assert.Equal(4, code);
        var trials = _h.Query("SELECT workload, status, error FROM trials ORDER BY id", r => (r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)));
        Assert.Equal(4, trials.Count);
        Assert.All(trials.Where(t => t.Item1 == "hang"), t =>
        {
            Assert.Equal("timeout", t.Item2);
            Assert.StartsWith("no response within 300ms", t.Item3, StringComparison.Ordinal);
        });
        Assert.All(trials.Where(t => t.Item1 == "hello"), t => Assert.Equal("ok", t.Item2));
        Assert.Contains("timeout: no response within 300ms", stdout, StringComparison.Ordinal);
        Assert.Equal("completed", _h.Query("SELECT status FROM runs", r => r.GetString(0)).Single());
        Assert.Empty(Directory.GetFiles(_h.StateDir));
    }
}
