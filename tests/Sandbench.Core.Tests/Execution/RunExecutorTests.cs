using Sandbench.Core.Execution;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;

namespace Sandbench.Core.Tests.Execution;

public sealed class RunExecutorTests
{
    private static readonly RuntimeProfile A = TestCatalog.Runc;
    private static readonly RuntimeProfile B = TestCatalog.Runsc;

    private static ExperimentSpec Spec(int iterations, int warmup, TrialOrder order) =>
        ExperimentSpec.ColdStartDefaults with { Iterations = iterations, Warmup = warmup, Order = order };

    private static Plan PlanOf(IReadOnlyList<string> workloads, params ExperimentSpec[] experiments) =>
        new("p", null, [A, B], workloads, experiments, "");

    private static List<(string Runtime, int Iteration, bool Warmup)> Order(Plan plan) =>
        [.. RunExecutor.Expand(plan, plan.Runtimes).Select(t => (t.Runtime.Name, t.Iteration, t.Warmup))];

    [Fact]
    public void Expand_TwoRuntimesThreeIterationsOneWarmup_GivesEightTrials()
    {
        var trials = RunExecutor.Expand(PlanOf(["hello"], Spec(3, 1, TrialOrder.Interleaved)), [A, B]).ToList();

        Assert.Equal(8, trials.Count);
        Assert.Equal(2, trials.Count(t => t.Warmup));
        Assert.Equal(6, trials.Count(t => !t.Warmup));
        Assert.Equal(4, trials.Count(t => t.Runtime == A));
        Assert.Equal(4, trials.Count(t => t.Runtime == B));
        Assert.All(trials, t => Assert.Equal("hello", t.Workload));
    }

    [Fact]
    public void Expand_Interleaved_WarmupsFirstThenRoundRobin()
    {
        var order = Order(PlanOf(["hello"], Spec(3, 1, TrialOrder.Interleaved)));

        Assert.Equal(
            [
                ("runc", 0, true), ("runsc", 0, true),
                ("runc", 0, false), ("runsc", 0, false),
                ("runc", 1, false), ("runsc", 1, false),
                ("runc", 2, false), ("runsc", 2, false),
            ],
            order);
    }

    [Fact]
    public void Expand_Sequential_EachRuntimeWarmsUpThenRunsAllIterations()
    {
        var order = Order(PlanOf(["hello"], Spec(3, 1, TrialOrder.Sequential)));

        Assert.Equal(
            [
                ("runc", 0, true), ("runc", 0, false), ("runc", 1, false), ("runc", 2, false),
                ("runsc", 0, true), ("runsc", 0, false), ("runsc", 1, false), ("runsc", 2, false),
            ],
            order);
    }

    [Theory]
    [InlineData(TrialOrder.Interleaved)]
    [InlineData(TrialOrder.Sequential)]
    public void Expand_SeveralWarmups_NumbersWarmupsAndMeasuredFromZero(TrialOrder order)
    {
        var trials = Order(PlanOf(["hello"], Spec(4, 3, order)));

        foreach (var runtime in new[] { "runc", "runsc" })
        {
            Assert.Equal([0, 1, 2], trials.Where(t => t.Runtime == runtime && t.Warmup).Select(t => t.Iteration));
            Assert.Equal([0, 1, 2, 3], trials.Where(t => t.Runtime == runtime && !t.Warmup).Select(t => t.Iteration));
        }
    }

    [Fact]
    public void Expand_NoWarmup_OnlyMeasuredTrials()
    {
        var trials = Order(PlanOf(["hello"], Spec(2, 0, TrialOrder.Interleaved)));

        Assert.Equal([("runc", 0, false), ("runsc", 0, false), ("runc", 1, false), ("runsc", 1, false)], trials);
    }

    [Fact]
    public void Expand_TwoWorkloadsTwoExperiments_ExpandsEachExperimentPerWorkloadInOrder()
    {
        var first = Spec(1, 1, TrialOrder.Interleaved);
        var second = Spec(2, 0, TrialOrder.Sequential);
        var plan = PlanOf(["hello", "echo"], first, second);

        var trials = RunExecutor.Expand(plan, plan.Runtimes).ToList();

        // first: 2 runtimes × (1 + 1) per workload; second: 2 runtimes × 2 per workload.
        Assert.Equal(2 * 4 + 2 * 4, trials.Count);
        Assert.Equal(
            [(first, "hello"), (first, "echo"), (second, "hello"), (second, "echo")],
            trials.Select(t => (t.Spec, t.Workload)).Distinct());
        Assert.All(trials.Take(4), t => Assert.Equal("hello", t.Workload));
    }

    [Fact]
    public void Expand_OnlyGivenRuntimes_SkipsOthersInThePlan()
    {
        var plan = PlanOf(["hello"], Spec(2, 1, TrialOrder.Interleaved));

        var trials = RunExecutor.Expand(plan, [B]).ToList();

        Assert.Equal(3, trials.Count);
        Assert.All(trials, t => Assert.Same(B, t.Runtime));
    }
}
