using Sandbench.Core;
using Sandbench.Core.Execution;
using Sandbench.Core.Plans;

namespace Sandbench.Core.Tests.Plans;

/// <summary>Warm sections: their keys, defaults, and every mistake reported with its position.</summary>
public sealed class WarmPlanTests
{
    private static readonly PlanCatalog Catalog = TestCatalog.Catalog with { Experiments = ["coldstart", "warm"] };

    private static Plan Load(string section) => PlanLoader.Load($"""
        name: w
        runtimes: [process, runc]
        experiments:
          - type: warm
        {section}
        """, "plan.yaml", Catalog);

    private static IReadOnlyList<string> Problems(string section) => Assert.Throws<SandbenchException>(() => Load(section)).Problems;

    [Fact]
    public void Load_OpenLoopWithEveryKey_ReadsEveryValue()
    {
        var spec = Load("""
                rates: [100, 1000.5]
                connections: 8
                duration: 5s
                warmup-duration: 500ms
                start-timeout: 20s
                timeout: 2s
                iterations: 2
            """).Experiments.Single();

        var load = Assert.IsType<LoadSpec>(spec.Load);
        Assert.Equal([100, 1000.5], load.Rates);
        Assert.Null(load.Concurrency);
        Assert.Equal(8, load.Connections);
        Assert.Equal(TimeSpan.FromSeconds(5), load.Duration);
        Assert.Equal(TimeSpan.FromMilliseconds(500), load.WarmupDuration);
        Assert.Equal(TimeSpan.FromSeconds(20), load.StartTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), spec.Timeout);
        Assert.Equal(2, spec.Iterations);
    }

    [Fact]
    public void Load_OnlyARate_WarmDefaults()
    {
        var spec = Load("    rates: 250").Experiments.Single();

        Assert.Equal([250], spec.Load!.Rates);
        Assert.Equal(LoadSpec.Defaults with { Rates = spec.Load.Rates }, spec.Load);
        Assert.Equal(3, spec.Iterations);
        Assert.Equal(0, spec.Warmup);
        Assert.Equal(TimeSpan.FromSeconds(30), spec.Timeout); // per request, as seed 002
        Assert.Equal(TimeSpan.FromMilliseconds(100), spec.SampleInterval);
    }

    [Fact]
    public void Load_ClosedLoop_ConcurrencyIsTheConnections()
    {
        var load = Load("    concurrency: 4").Experiments.Single().Load!;

        Assert.Empty(load.Rates);
        Assert.Equal(4, load.Concurrency);
        Assert.Equal(4, load.Connections);
    }

    [Fact]
    public void Load_BadRatesAndDurations_EveryProblemWithItsPosition()
    {
        var problems = Problems("""
                rates: [100, 0, -5, fast]
                duration: -10s
                warmup-duration: -1s
                start-timeout: 0s
                connections: 0
            """);

        Assert.Equal(
            [
                "plan.yaml:5:18: experiments[0].rates[1]: must be above 0 and at most 10000000 requests per second, got 0",
                "plan.yaml:5:21: experiments[0].rates[2]: must be above 0 and at most 10000000 requests per second, got -5",
                "plan.yaml:5:25: experiments[0].rates[3]: expected a number (requests per second), got 'fast'",
                "plan.yaml:6:15: experiments[0].duration: must not be negative (from 100ms to 86400s), got -10s",
                "plan.yaml:7:22: experiments[0].warmup-duration: must not be negative (from 0s to 3600s), got -1s",
                "plan.yaml:8:20: experiments[0].start-timeout: must be from 10ms to 3600s, got 0s",
                "plan.yaml:9:18: experiments[0].connections: must be from 1 to 10000, got 0",
            ], problems);
    }

    [Fact]
    public void Load_UnknownAndMisplacedKeys_SayWhichBelongWhere()
    {
        var problems = Problems("""
                rates: [100]
                rps: 100
                readiness: socket
            """);

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("plan.yaml:6:5: experiments[0].rps: unknown key 'rps' (valid: type, iterations, warmup, timeout, order, sweep, sample-interval, rates, ",
            problems[0], StringComparison.Ordinal);
        Assert.Equal("plan.yaml:7:5: experiments[0].readiness: type warm takes no readiness method: it sends requests until the sandbox answers one, then loads it",
            problems[1]);
    }

    [Fact]
    public void Load_WarmKeyInAColdStart_SaysItIsForWarm()
    {
        var e = Assert.Throws<SandbenchException>(() => PlanLoader.Load("""
            name: w
            runtimes: [process]
            experiments:
              - type: coldstart
                rates: [100]
            """, "plan.yaml", Catalog));

        Assert.Equal(["plan.yaml:5:5: experiments[0].rates: 'rates' is a key of types warm and eventing only"], e.Problems);
    }

    [Theory]
    [InlineData("    duration: 5s", "plan.yaml:4:5: experiments[0]: type warm needs rates (open loop, e.g. rates: [100, 1000]) or concurrency (closed loop, e.g. concurrency: 32)")]
    [InlineData("    rates: [10]\n    concurrency: 2", "plan.yaml:6:18: experiments[0].concurrency: give either rates (open loop: requests per second) or concurrency (closed loop: connections that each wait for their answer), not both")]
    [InlineData("    concurrency: 2\n    connections: 4", "plan.yaml:6:18: experiments[0].connections: a closed loop has as many connections as its concurrency; give concurrency only")]
    [InlineData("    rates: [10, 10]", "plan.yaml:5:12: experiments[0].rates: a rate is listed twice")]
    public void Load_InconsistentLoad_OneClearProblem(string section, string expected) =>
        Assert.Equal([expected], Problems(section));

    [Fact]
    public void Expand_TwoRatesTwoRuntimesTwoIterations_EveryRateOfAnIterationBeforeTheNext()
    {
        var plan = Load("""
                rates: [100, 1000]
                iterations: 2
            """);

        var trials = RunExecutor.Expand(plan, plan.Runtimes).Select(t => (t.Runtime.Name, t.Rate, t.Iteration)).ToList();

        Assert.Equal(
            [
                ("process", 100, 0), ("runc", 100, 0), ("process", 1000, 0), ("runc", 1000, 0),
                ("process", 100, 1), ("runc", 100, 1), ("process", 1000, 1), ("runc", 1000, 1),
            ], trials.Select(t => (t.Name, t.Rate!.Value, t.Iteration)));
    }

    [Fact]
    public void Expand_Sequential_OneRuntimeAtATimeEachRateInTurn()
    {
        var plan = Load("""
                rates: [100, 1000]
                iterations: 2
                order: sequential
            """);

        var trials = RunExecutor.Expand(plan, plan.Runtimes).Select(t => (t.Runtime.Name, t.Rate!.Value, t.Iteration)).ToList();

        Assert.Equal(
            [
                ("process", 100, 0), ("process", 100, 1), ("process", 1000, 0), ("process", 1000, 1),
                ("runc", 100, 0), ("runc", 100, 1), ("runc", 1000, 0), ("runc", 1000, 1),
            ], trials);
    }

    [Fact]
    public void Expand_ClosedLoop_OneTrialPerIterationWithoutARate()
    {
        var plan = Load("    concurrency: 4\n    iterations: 2");

        var trials = RunExecutor.Expand(plan, plan.Runtimes).ToList();

        Assert.Equal(4, trials.Count);
        Assert.All(trials, t => Assert.Null(t.Rate));
    }
}
