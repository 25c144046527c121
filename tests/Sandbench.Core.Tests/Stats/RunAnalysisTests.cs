using Sandbench.Core.Experiments;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Tests.Stats;

public sealed class RunAnalysisTests
{
    private const double Tolerance = 1e-9;
    private static readonly DateTimeOffset Started = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private long _nextId = 1;

    /// <summary>A stored trial; times in milliseconds, stored as nanoseconds like the store does.</summary>
    private TrialRecord Trial(
        string runtime,
        bool warmup = false,
        TrialStatus status = TrialStatus.Ok,
        double? coldStartMs = null,
        string readiness = "socket",
        long resolutionNs = 0,
        string? error = null,
        string experiment = "coldstart",
        string workload = "hello",
        (string Phase, double Ms)[]? phases = null)
    {
        var samples = new List<KeyValuePair<string, double>> { new("artifact_bytes", 1234) };
        if (coldStartMs is { } ms) samples.Add(new(ColdStartExperiment.Metric, ms * 1e6));
        return new TrialRecord("run1", experiment, runtime, workload, new Dictionary<string, string>(), 0, warmup, status,
            error, readiness, resolutionNs, Started, 0,
            [.. (phases ?? []).Select(p => new KeyValuePair<string, long>(p.Phase, (long)(p.Ms * 1e6)))], samples)
        { Id = _nextId++ };
    }

    [Fact]
    public void ColdStart_WarmupsAndFailures_ExcludedFromStatisticsButCounted()
    {
        TrialRecord[] trials =
        [
            Trial("runc", warmup: true, coldStartMs: 500),
            Trial("runc", warmup: true, coldStartMs: 400),
            Trial("runc", coldStartMs: 10),
            Trial("runc", coldStartMs: 20),
            Trial("runc", status: TrialStatus.Failed, error: "exited with code 1"),
            Trial("runc", coldStartMs: 30),
            Trial("runc", status: TrialStatus.Timeout, error: "no response within 30s (last phase: started)"),
            Trial("runc", coldStartMs: 40),
            Trial("runc", status: TrialStatus.Failed, error: "exited with code 1"),
            Trial("runc", status: TrialStatus.Ok), // no coldstart sample: cannot count as a success
            Trial("runc", coldStartMs: 50),
            Trial("runc", status: TrialStatus.Failed, coldStartMs: 1, error: "teardown: busy"), // a failed trial's sample never counts
            Trial("runc", experiment: "other", coldStartMs: 9999),
        ];

        var result = Assert.Single(RunAnalysis.ColdStart(trials));

        Assert.Equal("coldstart", result.Experiment);
        Assert.Equal("runc", result.Runtime);
        Assert.Equal("hello", result.Workload);
        Assert.Equal(2, result.Warmups);
        Assert.Equal(5, result.Failed); // 3 failed, 1 timeout, 1 ok without a sample
        var ms = result.ColdStartMs!;
        Assert.Equal(5, ms.N);
        Assert.Equal(30, ms.Mean, Tolerance); // (10 + 20 + 30 + 40 + 50) / 5, in ms
        Assert.Equal(10, ms.Min, Tolerance);
        Assert.Equal(30, ms.P50, Tolerance);
        Assert.Equal(50, ms.Max, Tolerance);
        Assert.Equal(["exited with code 1", "no response within 30s (last phase: started)", "teardown: busy"], result.Errors);
        Assert.Equal("socket", result.Readiness);
    }

    [Fact]
    public void ColdStart_SeveralRuntimes_OneResultEachInOrderOfFirstTrial()
    {
        TrialRecord[] trials =
        [
            Trial("runsc", readiness: "connect-retry", resolutionNs: 80_000, coldStartMs: 100),
            Trial("runc", coldStartMs: 10),
            Trial("runsc", readiness: "connect-retry", resolutionNs: 120_000, coldStartMs: 200),
            Trial("runc", coldStartMs: 12),
        ];

        var results = RunAnalysis.ColdStart(trials);

        Assert.Equal(["runsc", "runc"], results.Select(r => r.Runtime));
        Assert.Equal("connect-retry (≤120 µs)", results[0].Readiness);
        Assert.Equal(150, results[0].ColdStartMs!.Mean, Tolerance);
        Assert.Equal("socket", results[1].Readiness);
        Assert.Equal(11, results[1].ColdStartMs!.Mean, Tolerance);
    }

    [Fact]
    public void ColdStart_SameRuntimeTwoWorkloads_OneResultPerWorkload()
    {
        TrialRecord[] trials =
        [
            Trial("runc", workload: "hello", coldStartMs: 10),
            Trial("runc", workload: "echo", coldStartMs: 30),
        ];

        var results = RunAnalysis.ColdStart(trials);

        Assert.Equal([("runc", "hello", 10.0), ("runc", "echo", 30.0)],
            results.Select(r => (r.Runtime, r.Workload, r.ColdStartMs!.Mean)));
    }

    [Fact]
    public void ColdStart_AllMeasuredTrialsFailed_SummaryIsNull()
    {
        TrialRecord[] trials =
        [
            Trial("runc", warmup: true, coldStartMs: 10),
            Trial("runc", status: TrialStatus.Failed, error: "boom"),
            Trial("runc", status: TrialStatus.Interrupted, error: "interrupted"),
        ];

        var result = Assert.Single(RunAnalysis.ColdStart(trials));

        Assert.Null(result.ColdStartMs);
        Assert.Equal(2, result.Failed);
        Assert.Equal(1, result.Warmups);
        Assert.Equal(["boom", "interrupted"], result.Errors);
    }

    [Fact]
    public void ColdStart_ManyDistinctErrors_KeepsFirstThree()
    {
        TrialRecord[] trials = [.. Enumerable.Range(1, 5).Select(i => Trial("runc", status: TrialStatus.Failed, error: $"e{i}"))];

        Assert.Equal(["e1", "e2", "e3"], Assert.Single(RunAnalysis.ColdStart(trials)).Errors);
    }

    [Fact]
    public void ColdStart_NoTrials_Empty() => Assert.Empty(RunAnalysis.ColdStart([]));

    [Fact]
    public void PhaseBreakdowns_Trials_OrdersByMedianOffsetAndStepsFromPreviousPhase()
    {
        TrialRecord[] trials =
        [
            Trial("runc", phases: [(Phases.Spawn, 0), (Phases.Created, 1), (Phases.Started, 6), (Phases.Listening, 8), (Phases.WorkloadStart, 9), (Phases.FirstByte, 15)]),
            Trial("runc", phases: [(Phases.Spawn, 0), (Phases.Created, 2), (Phases.Started, 3), (Phases.Listening, 7), (Phases.WorkloadStart, 10), (Phases.FirstByte, 20)]),
            Trial("runc", phases: [(Phases.Spawn, 0), (Phases.Created, 6), (Phases.Started, 7), (Phases.Listening, 12), (Phases.WorkloadStart, 8)]),
            // Never in the statistics:
            Trial("runc", warmup: true, phases: [(Phases.Spawn, 0), (Phases.Created, 100), (Phases.Started, 200), (Phases.Done, 300)]),
            Trial("runc", status: TrialStatus.Failed, phases: [(Phases.Spawn, 0), (Phases.Created, 50), (Phases.Done, 400)]),
        ];

        var breakdown = Assert.Single(RunAnalysis.PhaseBreakdowns(trials));

        Assert.Equal("runc", breakdown.Runtime);
        Assert.Equal("hello", breakdown.Workload);
        // Offsets (ms) per trial → median; steps from the previous phase in this order, per trial → median:
        //   spawn           0, 0, 0      → 0     (first: no step)
        //   created         1, 2, 6      → 2     steps 1, 2, 6   → 2
        //   started         6, 3, 7      → 6     steps 5, 1, 1   → 1   (not 6 − 2: steps are per trial)
        //   listening       8, 7, 12     → 8     steps 2, 4, 5   → 4
        //   workload-start  9, 10, 8     → 9     steps 1, 3, −4  → 1   (after listening by median, though it usually comes first)
        //   first-byte      15, 20       → 17.5  steps 6, 10     → 8   (only two trials have it)
        Assert.Equal(
            [
                new PhaseStat(Phases.Spawn, 3, 0, 0),
                new PhaseStat(Phases.Created, 3, 2, 2),
                new PhaseStat(Phases.Started, 3, 6, 1),
                new PhaseStat(Phases.Listening, 3, 8, 4),
                new PhaseStat(Phases.WorkloadStart, 3, 9, 1),
                new PhaseStat(Phases.FirstByte, 2, 17.5, 8),
            ],
            breakdown.Phases);
    }

    [Fact]
    public void PhaseBreakdowns_EqualMedians_CanonicalOrderBreaksTie()
    {
        TrialRecord[] trials =
        [
            Trial("runc", phases: [(Phases.Started, 5), (Phases.Created, 5), (Phases.Spawn, 0)]),
        ];

        var breakdown = Assert.Single(RunAnalysis.PhaseBreakdowns(trials));

        Assert.Equal([Phases.Spawn, Phases.Created, Phases.Started], breakdown.Phases.Select(p => p.Name));
        Assert.Equal(0, breakdown.Phases[2].MedianStepMs);
    }

    [Fact]
    public void PhaseBreakdowns_SeveralRuntimes_OneBreakdownEachInOrderOfFirstTrial()
    {
        TrialRecord[] trials =
        [
            Trial("runsc", phases: [(Phases.Spawn, 0), (Phases.FirstByte, 90)]),
            Trial("runc", phases: [(Phases.Spawn, 0), (Phases.FirstByte, 9)]),
            Trial("runsc", status: TrialStatus.Failed, phases: [(Phases.Spawn, 0)]),
        ];

        var breakdowns = RunAnalysis.PhaseBreakdowns(trials);

        Assert.Equal(["runsc", "runc"], breakdowns.Select(b => b.Runtime));
        Assert.Equal(90, breakdowns[0].Phases[1].MedianStepMs, Tolerance);
        Assert.Equal(9, breakdowns[1].Phases[1].MedianStepMs, Tolerance);
    }

    [Fact]
    public void PhaseBreakdowns_OnlyWarmupsAndFailures_Empty()
    {
        TrialRecord[] trials =
        [
            Trial("runc", warmup: true, phases: [(Phases.Spawn, 0)]),
            Trial("runc", status: TrialStatus.Timeout, phases: [(Phases.Spawn, 0)]),
        ];

        Assert.Empty(RunAnalysis.PhaseBreakdowns(trials));
    }

    [Theory]
    [InlineData(Phases.Spawn, 0)]
    [InlineData(Phases.RequestSent, 1)]
    [InlineData(Phases.GatewayReceived, 2)]
    [InlineData(Phases.VmmCommands, 6)]
    [InlineData(Phases.Done, 22)]
    [InlineData("something-new", 23)]
    public void CanonicalRank_Phase_ReturnsItsPlace(string phase, int expected) =>
        Assert.Equal(expected, RunAnalysis.CanonicalRank(phase));
}
