using Sandbench.Core.Execution;
using Sandbench.Core.Experiments;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Tests.Experiments;

/// <summary>
/// The scale ladder and density stop rules, run through the executor (or the experiment itself where the host's memory
/// is faked) against a runtime whose sandboxes are sockets: real first requests, no processes.
/// </summary>
public sealed class ScaleLadderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sandbench-ladder-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly PlanCatalog Catalog = new(
        new Dictionary<string, RuntimeProfile>(StringComparer.Ordinal) { ["fake"] = new("fake", RuntimeKinds.Process, new Dictionary<string, string>()) },
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { [RuntimeKinds.Process] = [] },
        ["scale", "density"],
        ["hello"]);

    private sealed class Observer : IRunObserver
    {
        public List<TrialRecord> Finished { get; } = [];
        public List<(int? Count, string Reason)> Skipped { get; } = [];

        public void RuntimeSkipped(RuntimeProbe probe) => throw new InvalidOperationException(probe.Reason);

        public void RunStarted(RunInfo run, int trials)
        {
        }

        public void TrialFinished(TrialPlan trial, TrialRecord record) => Finished.Add(record);

        public void TrialSkipped(TrialPlan trial, string reason) => Skipped.Add((trial.Count, reason));
    }

    /// <summary>Runs a one-section plan on the fake runtime (no cache dropping, no memory floor: the real host is only read).</summary>
    private static async Task<(RunResult Result, MemoryStore Store, Observer Observer)> RunAsync(FleetFakeRuntime runtime, string section,
        CancellationToken ct)
    {
        var plan = PlanLoader.Load($"""
            name: ladder
            runtimes: [fake]
            experiments:
              - drop-caches: false
                memory-floor: 0
                warmup: 0
                {section.Replace("\n", "\n    ", StringComparison.Ordinal)}
            """, "plan.yaml", Catalog);
        var store = new MemoryStore();
        var observer = new Observer();
        var executor = new RunExecutor(store, new FakeArtifacts(), _ => runtime, MonotonicClock.System, HostInfo.Local, "test", () => "ladder1");
        var result = await executor.RunAsync(plan, new RunOptions(false), observer, ct);
        return (result, store, observer);
    }

    private static int Count(TrialRecord t) => (int)(t.Sample(ScaleExperiment.TargetMetric) ?? -1);

    [Fact]
    public async Task Ladder_StepWhereTooFewStart_BreaksThereSkipsLargerStepsAndTearsAllDown()
    {
        // 1 + 2 + 4 starts succeed, then 5 of the 8 of the next step: 3 fail as a host out of PIDs fails them.
        var runtime = new FleetFakeRuntime(startable: 12);

        var (result, store, observer) = await RunAsync(runtime, "type: scale\ncounts: [1, 2, 4, 8, 16]\ntimeout: 20s", TestContext.Current.CancellationToken);

        var trials = store.Trials("ladder1");
        var steps = trials.Where(t => t.Experiment == "scale").ToList();
        Assert.Equal([1, 2, 4, 8], steps.Select(Count));
        Assert.All(steps, s => Assert.Equal(TrialStatus.Ok, s.Status));
        var broken = steps[^1];
        Assert.Equal("yes", broken.Parameters["broke"]);
        Assert.StartsWith("pids ×3 (cannot start hello: Resource temporarily unavailable)", broken.Parameters["break_reason"], StringComparison.Ordinal);
        Assert.Equal(5, broken.Sample(ScaleExperiment.AnsweredMetric));
        Assert.Equal(3, broken.Sample("failed.pids"));
        Assert.Null(broken.Sample(ScaleExperiment.AllReadyMetric));
        Assert.NotNull(broken.Sample(ScaleExperiment.LastReadyMetric));
        Assert.All(steps.Take(3), s => Assert.Equal("no", s.Parameters["broke"]));
        Assert.All(steps.Take(3), s => Assert.NotNull(s.Sample(ScaleExperiment.AllReadyMetric)));
        var (count, reason) = Assert.Single(observer.Skipped);
        Assert.Equal(16, count);
        Assert.Contains("the ladder broke at N=8: 5/8 answered", reason, StringComparison.Ordinal);

        var sandboxes = trials.Where(t => t.Experiment == ScaleExperiment.MemberExperiment).ToList();
        Assert.Equal(15, sandboxes.Count);
        Assert.Equal(3, sandboxes.Count(s => s.Parameters.GetValueOrDefault("reason") == FailureReasons.Pids));
        Assert.All(sandboxes, s => Assert.Equal(steps.Single(x => Count(x) == int.Parse(s.Parameters["count"])).Id, long.Parse(s.Parameters["step"])));
        Assert.All(sandboxes.Where(s => s.Status == TrialStatus.Ok), s =>
        {
            Assert.True(s.Sample(ColdStartExperiment.Metric) > 0);
            Assert.True(s.Sample(ScaleExperiment.FirstByteMetric) >= s.Sample(ColdStartExperiment.Metric));
            Assert.Contains(s.Phases, p => p.Key == Phases.Done);
        });
        Assert.Empty(runtime.Live);
        Assert.Equal(0, result.Failed);
        Assert.False(Directory.Exists(Path.Combine(RunDirectory.Root, "ladder1")));
    }

    [Fact]
    public async Task Ladder_SandboxesThatNeverAnswer_TimeOutAndBreakTheLadder()
    {
        var runtime = new FleetFakeRuntime(answering: 2);

        var (_, store, _) = await RunAsync(runtime, "type: scale\ncounts: [4, 8]\ntimeout: 300ms", TestContext.Current.CancellationToken);

        var step = Assert.Single(store.Trials("ladder1"), t => t.Experiment == "scale");
        Assert.Equal(2, step.Sample(ScaleExperiment.AnsweredMetric));
        Assert.Equal(2, step.Sample("failed.timeout"));
        Assert.StartsWith("timeout ×2 (no response within 300ms", step.Parameters["break_reason"], StringComparison.Ordinal);
        Assert.Empty(runtime.Live);
    }

    [Fact]
    public async Task Ladder_EnoughAnswered_GoesOnToTheNextStep()
    {
        var runtime = new FleetFakeRuntime(answering: 9);

        var (_, store, observer) = await RunAsync(runtime, "type: scale\ncounts: [10, 11]\nmin-answered: 0.9\ntimeout: 300ms", TestContext.Current.CancellationToken);

        var steps = store.Trials("ladder1").Where(t => t.Experiment == "scale").ToList();
        Assert.Equal([10, 11], steps.Select(Count));
        Assert.Equal("no", steps[0].Parameters["broke"]);
        Assert.Equal("yes", steps[1].Parameters["broke"]);
        Assert.Empty(observer.Skipped);
    }

    [Fact]
    public async Task Ladder_InterruptedMidStep_KeepsFinishedStepTearsEverythingDown()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        // One at a time: the step of 6 is interrupted once its second sandbox started (the third start of the run).
        var runtime = new FleetFakeRuntime { Started = n => { if (n == 3) cts.Cancel(); } };

        var (result, store, _) = await RunAsync(runtime, "type: scale\ncounts: [1, 6]\nstart-concurrency: 1\ntimeout: 20s", cts.Token);

        Assert.True(result.Interrupted);
        var steps = store.Trials("ladder1").Where(t => t.Experiment == "scale").ToList();
        Assert.Equal([TrialStatus.Ok, TrialStatus.Interrupted], steps.Select(s => s.Status));
        var second = store.Trials("ladder1").Where(t => t.Experiment == ScaleExperiment.MemberExperiment && t.Parameters["step"] == steps[1].Id.ToString()).ToList();
        Assert.Equal(6, second.Count);
        Assert.All(second, s => Assert.Contains(s.Status, new[] { TrialStatus.Ok, TrialStatus.Interrupted }));
        Assert.True(second.Count(s => s.Status == TrialStatus.Interrupted) >= 4);
        Assert.Equal(3, runtime.Starts);
        Assert.Empty(runtime.Live);
    }

    [Fact]
    public async Task Scale_MemoryBelowFloor_StartsNothingAndRecordsOutOfMemory()
    {
        var runtime = new FleetFakeRuntime();
        var memory = new FakeHostMemory(() => 1L << 30);
        var spec = Spec(FleetSpec.Scale) with { Warmup = 1 };

        var outcome = await new ScaleExperiment(memory, ProcessResources.Local).RunAsync(Context(runtime, spec, 3), TestContext.Current.CancellationToken);

        Assert.Equal(0, runtime.Starts);
        Assert.Equal(4, outcome.Members.Count);
        Assert.All(outcome.Members, m => Assert.Equal(FailureReasons.Memory, m.Outcome.Parameters["reason"]));
        Assert.Contains("MemAvailable 1024 MiB is below the memory floor of 2048 MiB", outcome.Members[0].Outcome.Error, StringComparison.Ordinal);
        Assert.StartsWith("the ladder broke at N=3: 0/3 answered (out-of-memory ×3", outcome.EndsSeries, StringComparison.Ordinal);
        Assert.Equal(2, memory.Drops);
        Assert.Equal("yes", outcome.Parameters["drop-caches"]);
    }

    [Fact]
    public async Task Scale_HostNearItsTaskLimit_StartsNothingAndRecordsPids()
    {
        var runtime = new FleetFakeRuntime();
        var memory = new FakeHostMemory(() => 1L << 40, () => (30_000, 32_768));

        var outcome = await new ScaleExperiment(memory, ProcessResources.Local).RunAsync(Context(runtime, Spec(FleetSpec.Scale), 2), TestContext.Current.CancellationToken);

        Assert.Equal(0, runtime.Starts);
        Assert.All(outcome.Members, m => Assert.Equal(FailureReasons.Pids, m.Outcome.Parameters["reason"]));
        Assert.Contains("30000 tasks exist, above 85% of the kernel's limit of 32768", outcome.Members[0].Outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ListeningPorts_ProcNetTcp_OnlySocketsInStateListen()
    {
        const string table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:934F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5681210 1
               1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1070 1
               2: 0100007F:A1B2 0100007F:934F 01 00000000:00000000 00:00000000 00000000     0        0 5681211 1
            """;

        Assert.Equal([0x934F, 0x07E8], FleetRequests.ListeningPorts(table).Order().Reverse());
    }

    [Fact]
    public void Tasks_LocalHost_ReadsExistingTasksAndTheLowerLimit()
    {
        var host = new HostInfo(p => p switch
        {
            "/proc/loadavg" => "1.00 2.00 3.00 4/1234 5678\n",
            "/proc/sys/kernel/pid_max" => "32768\n",
            "/proc/sys/kernel/threads-max" => "192730\n",
            _ => null,
        });

        Assert.Equal((1234, 32768), new HostMemory(host).Tasks());
    }

    [Fact]
    public async Task Density_MaxCount_StopsThereWithEverySandboxAnswering()
    {
        var runtime = new FleetFakeRuntime();

        var (_, store, _) = await RunAsync(runtime, "type: density\nbatch: 3\nmax-count: 7\ntimeout: 20s", TestContext.Current.CancellationToken);

        var run = Assert.Single(store.Trials("ladder1"), t => t.Experiment == "density");
        Assert.Equal(DensityExperiment.StopMaxCount, run.Parameters["stop"]);
        Assert.Equal(3, run.Sample(DensityExperiment.BatchesMetric));
        Assert.Equal(7, run.Sample(ScaleExperiment.AnsweredMetric));
        var sandboxes = store.Trials("ladder1").Where(t => t.Experiment == DensityExperiment.MemberExperiment).ToList();
        Assert.Equal(["0", "0", "0", "1", "1", "1", "2"], sandboxes.Select(s => s.Parameters["batch"]).Order());
        Assert.Empty(runtime.Live);
    }

    [Fact]
    public async Task Density_MemoryFallsAsSandboxesStart_StopsAtTheFloor()
    {
        var runtime = new FleetFakeRuntime();
        // Each live sandbox takes 1 GiB of the 10 the host has; the floor is 5 GiB.
        var memory = new FakeHostMemory(() => (10L << 30) - ((long)runtime.Live.Count << 30));
        var spec = Spec(FleetSpec.Density) with { Fleet = FleetSpec.Defaults with { Batch = 2, MemoryFloorBytes = 5L << 30, DropCaches = false } };

        var outcome = await new DensityExperiment(memory, ProcessResources.Local).RunAsync(Context(runtime, spec, null), TestContext.Current.CancellationToken);

        Assert.Equal(DensityExperiment.StopMemory, outcome.Parameters["stop"]);
        Assert.Contains("fell below the memory floor of 5120 MiB", outcome.Parameters["stop_reason"], StringComparison.Ordinal);
        Assert.Equal(6, outcome.Samples.Single(s => s.Key == DensityExperiment.MaxMetric).Value);
        Assert.Equal(0, memory.Drops);
        Assert.Equal("no: drop-caches: false", outcome.Parameters["drop-caches"]);
        Assert.Empty(runtime.Live);
    }

    [Fact]
    public async Task Analysis_StoredLadder_GivesOneRowPerStepAndTheFootprintOfTheLargestUnbrokenStep()
    {
        var (_, store, _) = await RunAsync(new FleetFakeRuntime(startable: 3), "type: scale\ncounts: [1, 2, 4]\ntimeout: 20s", TestContext.Current.CancellationToken);
        var trials = store.Trials("ladder1");

        var rows = ScaleAnalysis.Scale(trials, []);
        var footprint = ScaleAnalysis.Footprints(trials);

        Assert.Equal([(1, 1, 1, false), (2, 2, 2, false), (4, 0, 4, true)], rows.Select(r => (r.N, r.Answered, r.Target, r.BreakReason is not null)));
        Assert.Equal(2, rows[1].FirstByteMs!.N);
        Assert.NotNull(rows[1].AllReadyMs);
        // The fake's sandboxes have no processes: no per-sandbox reading, so no footprint row.
        Assert.Empty(footprint);
    }

    [Fact]
    public async Task Fleet_ManySandboxes_NoNameIsAPrefixOfAnother()
    {
        // runsc resolves a container by any unique prefix of its id: "sb-x-1-1" is ambiguous while "sb-x-1-10" exists.
        await using var fleet = new Fleet(Context(new FleetFakeRuntime(), Spec(FleetSpec.Scale), 120), ReadinessMethod.Socket,
            new FakeHostMemory(() => 1L << 40), ProcessResources.Local);
        var names = Enumerable.Range(0, 3).Select(_ => fleet.Add(warmup: true).Name)
            .Concat(Enumerable.Range(0, 120).Select(_ => fleet.Add(warmup: false).Name)).ToList();

        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.DoesNotContain(names, a => names.Any(b => a != b && b.StartsWith(a, StringComparison.Ordinal)));
        Assert.All(names, n => Assert.StartsWith("sb-test-1-", n, StringComparison.Ordinal));
    }

    private static ExperimentSpec Spec(string type) => ExperimentSpec.ColdStartDefaults with
    {
        Type = type,
        Iterations = 1,
        Warmup = 0,
        Timeout = TimeSpan.FromSeconds(20),
        RetrySpacing = TimeSpan.FromMilliseconds(1),
        SampleInterval = TimeSpan.FromSeconds(5),
        Fleet = FleetSpec.Defaults,
    };

    private TrialContext Context(FleetFakeRuntime runtime, ExperimentSpec spec, int? count)
    {
        string work = Path.Combine(_dir, Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var trial = new TrialPlan(spec, runtime.Profile, "hello", 0, false) { Count = count };
        return new TrialContext(trial, runtime, FakeArtifacts.Hello, "sb-test-1", work, MonotonicClock.System);
    }
}
