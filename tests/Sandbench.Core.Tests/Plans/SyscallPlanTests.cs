using Sandbench.Core.Plans;

namespace Sandbench.Core.Tests.Plans;

public sealed class SyscallPlanTests
{
    private static Plan Load(string yaml) =>
        PlanLoader.Load(yaml, "plan.yaml", TestCatalog.Catalog with { Experiments = ["coldstart", "syscall"], Workloads = ["hello", "syscall"] });

    [Fact]
    public void Load_MinTime_OnTheSection()
    {
        var plan = Load("""
            name: p
            runtimes: [process]
            workloads: [syscall]
            experiments:
              - type: syscall
                min-time: 50ms
              - type: syscall
            """);

        Assert.Equal(TimeSpan.FromMilliseconds(50), plan.Experiments[0].MinOpTime);
        Assert.Equal(ExperimentSpec.DefaultMinOpTime, plan.Experiments[1].MinOpTime);
    }

    [Fact]
    public void Load_MinTimeOnColdstartOrOutOfRange_ReportsEach()
    {
        var e = Assert.Throws<SandbenchException>(() => Load("""
            name: p
            runtimes: [process]
            experiments:
              - type: coldstart
                min-time: 20ms
              - type: syscall
                min-time: 2h
            """));

        Assert.Equal(2, e.Problems.Count);
        Assert.Contains("experiments[0].min-time: 'min-time' is a key of type syscall only", e.Problems[0], StringComparison.Ordinal);
        Assert.Contains("experiments[1].min-time", e.Problems[1], StringComparison.Ordinal);
    }
}
