using System.Globalization;
using Sandbench.Core.Experiments;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Runtimes.Tests;

/// <summary>
/// Scale steps at small N on real runtimes: every sandbox answers on an endpoint of its own, its processes are
/// read, and afterwards nothing of any of them is left — processes, containers in the runtime's state, mounts,
/// network namespaces, scratch directories — whether they answered, timed out or were interrupted.
/// The page cache is never dropped here (the host is shared); the memory floor is off.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ScaleOnRuntimesTests : IDisposable
{
    private readonly RuntimeFixture _f = new();
    private string _name = "";
    private string _work = "";

    public void Dispose() => _f.Dispose();

    private static ExperimentSpec Spec(TimeSpan timeout, int warmup = 1) => ExperimentSpec.ColdStartDefaults with
    {
        Type = FleetSpec.Scale,
        Iterations = 1,
        Warmup = warmup,
        Timeout = timeout,
        RetrySpacing = TimeSpan.FromMilliseconds(1),
        SampleInterval = TimeSpan.FromMilliseconds(200),
        Fleet = FleetSpec.Defaults with { DropCaches = false, MemoryFloorBytes = 0 },
    };

    private async Task<TrialOutcome> StepAsync(IRuntime runtime, int n, ExperimentSpec spec, string workload = "hello", CancellationToken? ct = null)
    {
        var artifact = await RuntimeFixture.Catalog.GetAsync(workload, TestContext.Current.CancellationToken);
        _name = $"sb-t{Guid.NewGuid().ToString("N")[..7]}-1";
        _work = Path.Combine(_f.Root, _name);
        Directory.CreateDirectory(_work);
        var trial = new TrialPlan(spec, runtime.Profile, workload, 0, false) { Count = n };
        return await new ScaleExperiment(HostMemory.Local, ProcessResources.Local)
            .RunAsync(new TrialContext(trial, runtime, artifact, _name, _work, MonotonicClock.System), ct ?? TestContext.Current.CancellationToken);
    }

    private static double Sample(TrialOutcome o, string metric) => o.Samples.Single(s => s.Key == metric).Value;

    [Theory]
    [InlineData("process", "socket", 1)]
    [InlineData("runc", "socket", 1)]
    [InlineData("runsc", "connect-retry", 2)]
    public async Task Scale_ThreeAtOnce_AllAnswerEachReadAndNothingLeft(string name, string readiness, int minProcesses)
    {
        var runtime = await _f.UsableAsync(name);

        var outcome = await StepAsync(runtime, 3, Spec(TimeSpan.FromSeconds(60)));

        Assert.Equal(TrialStatus.Ok, outcome.Status);
        Assert.Null(outcome.EndsSeries);
        Assert.Equal(readiness, outcome.Readiness);
        Assert.Equal(3, Sample(outcome, ScaleExperiment.AnsweredMetric));
        Assert.Equal(3, Sample(outcome, "alive"));
        double allReady = Sample(outcome, ScaleExperiment.AllReadyMetric);
        Assert.Equal(4, outcome.Members.Count);
        Assert.Single(outcome.Members, m => m.Warmup);
        foreach (var m in outcome.Members.Where(m => !m.Warmup).Select(m => m.Outcome))
        {
            Assert.True(m.Status == TrialStatus.Ok, m.Error);
            var phases = m.Phases.ToDictionary(p => p.Key, p => p.Value);
            Assert.Equal(0, phases[Phases.Spawn]);
            Assert.True(phases[Phases.FirstByte] > 0);
            Assert.True(phases[Phases.Done] >= phases[Phases.FirstByte]);
            double firstByte = Sample(m, ScaleExperiment.FirstByteMetric);
            Assert.InRange(Sample(m, ColdStartExperiment.Metric), 1, firstByte);
            Assert.True(firstByte <= allReady);
            Assert.True(Sample(m, ScaleExperiment.PssMetric) > 0);
            Assert.True(Sample(m, ScaleExperiment.RssMetric) >= Sample(m, ScaleExperiment.PssMetric));
            Assert.True(Sample(m, ScaleExperiment.ProcessesMetric) >= minProcesses);
            Assert.Equal("3", m.Parameters["count"]);
        }
        // Each on an endpoint of its own: three different ports (or listening sockets), one request each.
        Assert.Equal(3, outcome.Members.Where(m => !m.Warmup).Select(m => m.Outcome.OriginNs).Distinct().Count());
        await AssertNothingLeftAsync(runtime);
    }

    [Fact]
    public async Task Scale_ProcessConnectRetryTwelve_FoundThroughTheSocketTableAndNothingLeft()
    {
        var runtime = await _f.UsableAsync("process");
        // Twelve waiting at once: the poller reads /proc/net/tcp each round instead of connecting to each one.
        var spec = Spec(TimeSpan.FromSeconds(60), warmup: 0) with { Readiness = ReadinessMethod.ConnectRetry };

        var outcome = await StepAsync(runtime, 12, spec);

        Assert.Equal("connect-retry", outcome.Readiness);
        Assert.Equal(12, Sample(outcome, ScaleExperiment.AnsweredMetric));
        Assert.All(outcome.Members.Select(m => m.Outcome), m =>
        {
            var phases = m.Phases.ToDictionary(p => p.Key, p => p.Value);
            // The workload's own readiness (shared clock) comes before the connect that found it.
            Assert.True(phases["workload-ready"] <= phases[Phases.Listening]);
            Assert.True(phases[Phases.Listening] <= phases[Phases.FirstByte]);
        });
        await AssertNothingLeftAsync(runtime);
    }

    [Fact]
    public async Task Scale_QemuTwoAtOnce_EachSignalsOnItsOwnPortAndNothingLeft()
    {
        var runtime = await _f.UsableAsync("qemu");

        var outcome = await StepAsync(runtime, 2, Spec(TimeSpan.FromSeconds(120), warmup: 0));

        Assert.Equal("marker", outcome.Readiness);
        Assert.Equal(2, Sample(outcome, ScaleExperiment.AnsweredMetric));
        Assert.All(outcome.Members.Select(m => m.Outcome), m =>
        {
            Assert.True(m.Status == TrialStatus.Ok, m.Error);
            Assert.Contains(m.Phases, p => p.Key == Phases.GuestInit);
            Assert.Equal(1, Sample(m, ScaleExperiment.ProcessesMetric));
            Assert.True(Sample(m, ScaleExperiment.RssMetric) > 16 << 20);
        });
        await AssertNothingLeftAsync(runtime);
    }

    [Fact]
    public async Task Scale_RuncNetnsConnectRetry_EachInItsOwnNamespaceAndNothingLeft()
    {
        if (Environment.UserName != "root" || Executables.Find("runc") is null || Executables.Find("ip") is null) Assert.Skip("needs root, runc and ip");
        var runtime = _f.Runtime("runc", new Dictionary<string, string> { ["network"] = "netns", ["socket-activation"] = "false" });

        var outcome = await StepAsync(runtime, 3, Spec(TimeSpan.FromSeconds(60), warmup: 0));

        Assert.Equal(3, Sample(outcome, ScaleExperiment.AnsweredMetric));
        var addresses = outcome.Members.Select(m => m.Outcome.Parameters["network"]).ToList();
        Assert.Equal(3, addresses.Distinct().Count());
        Assert.All(addresses, a => Assert.StartsWith("netns 10.201.", a, StringComparison.Ordinal));
        await AssertNothingLeftAsync(runtime);
    }

    [Theory]
    [InlineData("process")]
    [InlineData("runc")]
    [InlineData("runsc")]
    public async Task Scale_NeverAnswer_TimeOutBreakTheLadderAndNothingLeft(string name)
    {
        var runtime = await _f.UsableAsync(name);

        var outcome = await StepAsync(runtime, 3, Spec(TimeSpan.FromSeconds(3), warmup: 0), "hang");

        Assert.Equal(TrialStatus.Ok, outcome.Status);
        Assert.Equal(0, Sample(outcome, ScaleExperiment.AnsweredMetric));
        Assert.Equal(3, Sample(outcome, "failed.timeout"));
        Assert.StartsWith("the ladder broke at N=3: 0/3 answered (timeout ×3 (no response within 3s", outcome.EndsSeries, StringComparison.Ordinal);
        Assert.All(outcome.Members, m => Assert.Equal(TrialStatus.Timeout, m.Outcome.Status));
        Assert.All(outcome.Members, m => Assert.Contains(m.Outcome.Phases, p => p.Key == Phases.Done));
        await AssertNothingLeftAsync(runtime);
    }

    [Fact]
    public async Task Scale_RuntimeRefusesToStart_SpawnErrorsRecordedAndNothingLeft()
    {
        if (Environment.UserName != "root") Assert.Skip("needs root");
        // An OCI runtime whose every create fails (and whose delete finds nothing), as a broken runtime's would.
        string broken = Path.Combine(_f.Root, "broken-runc");
        File.WriteAllText(broken, "#!/bin/sh\ncase \"$*\" in\n*create*) echo 'boom: cannot create' >&2; exit 1;;\n*) echo 'container does not exist' >&2; exit 1;;\nesac\n");
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(broken, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var runtime = _f.Runtime("runc", new Dictionary<string, string> { ["binary"] = broken });

        var outcome = await StepAsync(runtime, 2, Spec(TimeSpan.FromSeconds(30), warmup: 0));

        Assert.Equal(0, Sample(outcome, ScaleExperiment.AnsweredMetric));
        Assert.Equal(2, Sample(outcome, "failed.spawn-error"));
        Assert.All(outcome.Members, m => Assert.EndsWith("create exited with code 1: boom: cannot create", m.Outcome.Error, StringComparison.Ordinal));
        Assert.NotNull(outcome.EndsSeries);
        await AssertNothingLeftAsync(runtime);
    }

    [Theory]
    [InlineData("runc")]
    [InlineData("runsc")]
    public async Task Scale_CancelledMidStep_InterruptedAndNothingLeft(string name)
    {
        var runtime = await _f.UsableAsync(name);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var step = StepAsync(runtime, 4, Spec(TimeSpan.FromSeconds(60), warmup: 0), "hang", cts.Token);
        // Interrupt once all four containers are recorded (each is written to the ledger before its create).
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            while (_f.Ledger.Entries().Count < 4) await Task.Delay(5, limit.Token);
        await cts.CancelAsync();

        var outcome = await step;

        Assert.Equal(TrialStatus.Interrupted, outcome.Status);
        Assert.All(outcome.Members, m => Assert.Equal(TrialStatus.Interrupted, m.Outcome.Status));
        await AssertNothingLeftAsync(runtime);
    }

    [Fact]
    public async Task ProcessIds_Runsc_SandboxAndGofer()
    {
        var runtime = await _f.UsableAsync("runsc");
        var artifact = await RuntimeFixture.Catalog.GetAsync("hello", TestContext.Current.CancellationToken);
        _name = $"sb-t{Guid.NewGuid().ToString("N")[..7]}-1";
        _work = Path.Combine(_f.Root, _name);
        Directory.CreateDirectory(_work);
        var spec = new SandboxSpec
        {
            Name = _name,
            Artifact = artifact,
            Environment = new Dictionary<string, string> { ["PORT"] = Loopback.FreePort().ToString(CultureInfo.InvariantCulture) },
            OutputPath = Path.Combine(_work, "out.log"),
            WorkDir = _work,
        };
        var sandbox = await runtime.StartAsync(spec, new PhaseClock(MonotonicClock.System), TestContext.Current.CancellationToken);
        IReadOnlyList<string> commands;
        try
        {
            commands = [.. sandbox.ProcessIds.Select(p => File.ReadAllText($"/proc/{p}/cmdline").Split('\0')[0])];
        }
        finally
        {
            await sandbox.DisposeAsync();
        }

        Assert.Contains("runsc-sandbox", commands);
        Assert.Contains("runsc-gofer", commands);
        await AssertNothingLeftAsync(runtime, scratch: false);
    }

    /// <summary>Nothing of this test's sandboxes (all named after <see cref="_name"/>) is left anywhere the host keeps things.</summary>
    /// <param name="scratch">The step removed its sandboxes' scratch directories (a bare start leaves them to its caller).</param>
    private async Task AssertNothingLeftAsync(IRuntime runtime, bool scratch = true)
    {
        Assert.Empty(_f.Ledger.Entries());
        Assert.Empty(RuntimeFixture.ProcessesMentioning(_name));
        Assert.Empty(RuntimeFixture.ProcessesMentioning(_work));
        Assert.DoesNotContain(File.ReadAllText("/proc/self/mountinfo").Split('\n'), l => l.Contains(_work, StringComparison.Ordinal));
        if (scratch) Assert.Empty(Directory.GetDirectories(_work));
        if (Directory.Exists("/var/run/netns")) Assert.Empty(Directory.GetFiles("/var/run/netns", _name + "*"));
        if (runtime.Profile.Kind != RuntimeKinds.Oci) return;
        Assert.DoesNotContain(await RuntimeFixture.ListedAsync(runtime), n => n.StartsWith(_name, StringComparison.Ordinal));
        // The runtimes' own state directories: runc's /run/runc/ID, runsc's ROOT/ID_sandbox:ID.{state,lock}.
        if (Directory.Exists("/run/runc")) Assert.Empty(Directory.GetFileSystemEntries("/run/runc", _name + "*"));
        if (Directory.Exists("/var/run/runsc")) Assert.Empty(Directory.GetFileSystemEntries("/var/run/runsc", _name + "*"));
    }
}
