using Sandbench.Core;
using Sandbench.Core.Execution;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Tests.Experiments;

namespace Sandbench.Core.Tests.Plans;

/// <summary>Eventing sections: their keys, defaults, every mistake with its position, and local runtimes refused.</summary>
public sealed class EventingPlanTests
{
    private static readonly PlanCatalog Catalog = TestCatalog.Catalog with { Experiments = ["coldstart", "warm", "eventing"] };

    private static Plan Load(string section) => PlanLoader.Load($"""
        name: e
        runtimes: [process]
        experiments:
          - type: eventing
        {section}
        """, "plan.yaml", Catalog);

    private static IReadOnlyList<string> Problems(string section) => Assert.Throws<SandbenchException>(() => Load(section)).Problems;

    [Fact]
    public void Load_EveryKey_ReadsEveryValue()
    {
        var spec = Load("""
                rates: [100, 1000]
                connections: 4
                duration: 20s
                warmup-duration: 2s
                start-timeout: 90s
                cloudevents: structured
                drain: 5s
                timeout: 3s
                iterations: 2
            """).Experiments.Single();

        Assert.Equal("eventing", spec.Type);
        var load = Assert.IsType<LoadSpec>(spec.Load);
        Assert.Equal([100, 1000], load.Rates);
        Assert.Equal(4, load.Connections);
        Assert.Equal(TimeSpan.FromSeconds(20), load.Duration);
        Assert.Equal(TimeSpan.FromSeconds(2), load.WarmupDuration);
        Assert.Equal(TimeSpan.FromSeconds(90), load.StartTimeout);
        Assert.Equal(new EventingSpec("structured", TimeSpan.FromSeconds(5)), spec.Events);
        Assert.Equal(TimeSpan.FromSeconds(3), spec.Timeout);
        Assert.Equal(2, spec.Iterations);
    }

    [Fact]
    public void Load_RatesOnly_Defaults()
    {
        var spec = Load("    rates: [50]").Experiments.Single();

        Assert.Equal(EventingSpec.Defaults, spec.Events);
        Assert.Equal(8, spec.Load!.Connections);
        Assert.Equal(TimeSpan.Zero, spec.Load.WarmupDuration);
        Assert.Equal(3, spec.Iterations);
        Assert.Equal(0, spec.Warmup);
        Assert.Equal(TimeSpan.FromSeconds(10), spec.Timeout);
    }

    [Fact]
    public void Load_Mistakes_OneLineEachWithItsPosition()
    {
        var problems = Problems("""
                concurrency: 4
                cloudevents: json
                drain: -1s
                readiness: socket
            """);

        Assert.Equal(
        [
            "plan.yaml:4:5: experiments[0]: type eventing needs rates: events per second sent to the broker, one trial each (e.g. rates: [100, 1000])",
            "plan.yaml:5:5: experiments[0].concurrency: type eventing sends events at fixed rates (open loop, rates: [...]), not a closed loop",
            "plan.yaml:6:18: experiments[0].cloudevents: expected one of binary, structured (the CloudEvents HTTP content mode), got 'json'",
        ], problems.Take(3));
        Assert.Contains(problems, p => p.StartsWith("plan.yaml:7:12: experiments[0].drain:", StringComparison.Ordinal));
        Assert.Contains("plan.yaml:8:5: experiments[0].readiness: type eventing takes no readiness method: it sends probe events until one comes back through the broker",
            problems);
    }

    [Fact]
    public void Load_EventingKeyInAWarmSection_SaysItIsForEventing()
    {
        var e = Assert.Throws<SandbenchException>(() => PlanLoader.Load("""
            name: w
            runtimes: [process]
            experiments:
              - type: warm
                rates: [10]
                drain: 5s
            """, "plan.yaml", Catalog));

        Assert.Equal(["plan.yaml:6:5: experiments[0].drain: 'drain' is a key of type eventing only"], e.Problems);
    }

    [Fact]
    public void Problems_EventingOnALocalRuntime_OneLineSayingWhereItRuns()
    {
        var plan = Load("    rates: [50]");
        var runtime = new FakeRuntime("process", new RuntimeCapabilities(SocketActivation: true, SharesHostClock: true, HostLoopback: true));

        var problems = RunExecutor.Problems(plan, _ => runtime);

        var line = Assert.Single(problems);
        Assert.StartsWith("process: experiment 'eventing' sends CloudEvents through a cluster's broker and runs on knative runtimes only", line, StringComparison.Ordinal);
        Assert.Contains(ExperimentRegistry.Names, n => n == "eventing");
    }
}
