using Sandbench.Core.Execution;
using Sandbench.Core.Plans;

namespace Sandbench.Core.Tests.Plans;

/// <summary>The keys of scale and density sections: defaults, validation, and how they expand into trials.</summary>
public sealed class FleetPlanTests
{
    private static readonly PlanCatalog Catalog = TestCatalog.Catalog with { Experiments = ["coldstart", "scale", "density"] };

    private static Plan Load(string experiment) => PlanLoader.Load($"""
        name: p
        runtimes: [process, runc]
        experiments:
          - {experiment.Replace("\n", "\n    ", StringComparison.Ordinal)}
        """, "plan.yaml", Catalog);

    private static IReadOnlyList<string> Problems(string experiment) => Assert.Throws<SandbenchException>(() => Load(experiment)).Problems;

    [Fact]
    public void Load_ScaleWithoutKeys_TakesFleetDefaults()
    {
        var e = Load("type: scale").Experiments.Single();

        var fleet = Assert.IsType<FleetSpec>(e.Fleet);
        Assert.Equal(FleetSpec.Defaults.Counts, fleet.Counts);
        Assert.Null(fleet.StartConcurrency);
        Assert.Equal(0.95, fleet.MinAnswered);
        Assert.True(fleet.DropCaches);
        Assert.Equal(1, e.Iterations);
        Assert.Equal(FleetSpec.DefaultWarmup, e.Warmup);
        Assert.Equal(TimeSpan.FromSeconds(120), e.Timeout);
        Assert.Equal(FleetSpec.DefaultSampleInterval, e.SampleInterval);
        Assert.Equal(FleetSpec.DefaultRetrySpacing, e.RetrySpacing);
    }

    [Fact]
    public void Load_ScaleKeys_ReadsEveryValue()
    {
        var e = Load("""
            type: scale
            counts: [1, 5, 500]
            start-concurrency: 8
            min-answered: 90%
            memory-floor: 1.5GiB
            drop-caches: false
            timeout: 45s
            warmup: 0
            """).Experiments.Single();

        var fleet = e.Fleet!;
        Assert.Equal([1, 5, 500], fleet.Counts);
        Assert.Equal(8, fleet.StartConcurrency);
        Assert.Equal(0.9, fleet.MinAnswered, 9);
        Assert.Equal(3L << 29, fleet.MemoryFloorBytes);
        Assert.False(fleet.DropCaches);
        Assert.Equal(TimeSpan.FromSeconds(45), e.Timeout);
        Assert.Equal(0, e.Warmup);
    }

    [Fact]
    public void Load_StartConcurrencyAll_MeansNoLimit() =>
        Assert.Null(Load("type: density\nstart-concurrency: all").Experiments.Single().Fleet!.StartConcurrency);

    [Fact]
    public void Load_DensityKeys_ReadsEveryValue()
    {
        var fleet = Load("type: density\nbatch: 25\nmax-count: 300\nmax-duration: 5m\nmemory-floor: 512MiB").Experiments.Single().Fleet!;

        Assert.Equal(25, fleet.Batch);
        Assert.Equal(300, fleet.MaxCount);
        Assert.Equal(TimeSpan.FromMinutes(5), fleet.MaxDuration);
        Assert.Equal(512L << 20, fleet.MemoryFloorBytes);
    }

    [Fact]
    public void Load_BadFleetValues_ReportsEachWithItsPosition()
    {
        var problems = Problems("""
            type: scale
            counts: [5, 5, 0, x]
            min-answered: 1.5
            memory-floor: lots
            drop-caches: maybe
            batch: 10
            """);

        Assert.Equal(
            [
                "plan.yaml:5:17: experiments[0].counts: counts are a ladder and must ascend: 5 after 5",
                "plan.yaml:5:20: experiments[0].counts: expected a count from 1 to 10000, got '0'",
                "plan.yaml:5:23: experiments[0].counts: expected a count from 1 to 10000, got 'x'",
                "plan.yaml:6:19: experiments[0].min-answered: expected a fraction above 0 and at most 1 (0.95 or 95%), got '1.5'",
                "plan.yaml:7:19: experiments[0].memory-floor: expected a size such as 512MiB or 2GiB, got 'lots'",
                "plan.yaml:8:18: experiments[0].drop-caches: expected true or false, got 'maybe'",
                "plan.yaml:9:12: experiments[0].batch: 'batch' is a key of density experiments, not of scale",
            ],
            problems);
    }

    [Fact]
    public void Load_FleetKeyOnColdStart_IsRefused() =>
        Assert.Equal(["plan.yaml:5:13: experiments[0].counts: only scale and density experiments take 'counts'"],
            Problems("type: coldstart\ncounts: [1, 2]"));

    [Theory]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("4096", 4096L)]
    [InlineData("1.5KiB", 1536L)]
    [InlineData("0", 0L)]
    public void TryParseSize_Units_GiveBytes(string text, long bytes)
    {
        Assert.True(PlanLoader.TryParseSize(text, out long parsed));
        Assert.Equal(bytes, parsed);
    }

    [Fact]
    public void Expand_ScaleSequential_OneTrialPerStepInLadderOrderNoWarmupTrials()
    {
        var plan = Load("type: scale\ncounts: [1, 10, 100]\norder: sequential\nwarmup: 3");

        var trials = RunExecutor.Expand(plan, plan.Runtimes).Select(t => (t.Runtime.Name, t.Count, t.Warmup)).ToList();

        Assert.Equal(
            [
                ("process", 1, false), ("process", 10, false), ("process", 100, false),
                ("runc", 1, false), ("runc", 10, false), ("runc", 100, false),
            ],
            trials.Select(t => (t.Name, t.Count ?? 0, t.Warmup)).ToList());
    }

    [Fact]
    public void Expand_ScaleInterleaved_StepByStepOverRuntimes()
    {
        var plan = Load("type: scale\ncounts: [1, 10]\niterations: 2");

        var trials = RunExecutor.Expand(plan, plan.Runtimes).Select(t => (t.Runtime.Name, t.Count ?? 0, t.Iteration)).ToList();

        Assert.Equal(
            [
                ("process", 1, 0), ("runc", 1, 0), ("process", 1, 1), ("runc", 1, 1),
                ("process", 10, 0), ("runc", 10, 0), ("process", 10, 1), ("runc", 10, 1),
            ],
            trials);
    }

    [Fact]
    public void Expand_Density_OneTrialPerRuntime()
    {
        var plan = Load("type: density");

        var trials = RunExecutor.Expand(plan, plan.Runtimes).ToList();

        Assert.Equal(["process", "runc"], trials.Select(t => t.Runtime.Name));
        Assert.All(trials, t => Assert.Null(t.Count));
    }
}
