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

public sealed class ImagePullPlanTests
{
    private static Plan Load(string yaml) =>
        PlanLoader.Load(yaml, "plan.yaml", TestCatalog.Catalog with { Experiments = ["coldstart", "imagepull"] });

    [Fact]
    public void Load_ImageKeys_OnTheSectionWithDefaultsForTheRest()
    {
        var plan = Load("""
            name: p
            runtimes: [process]
            experiments:
              - type: imagepull
                padding: 2MiB
                layers: 3
                pull: concurrent
              - type: imagepull
            """);

        Assert.Equal(new ImagePullSpec(2 << 20, 3, Sandbench.Core.Images.PullMode.Concurrent), plan.Experiments[0].Image);
        Assert.Equal(ImagePullSpec.Defaults, plan.Experiments[1].Image);
    }

    [Fact]
    public void Load_ImageKeysOnColdstartAndBadValues_ReportsEach()
    {
        var e = Assert.Throws<SandbenchException>(() => Load("""
            name: p
            runtimes: [process]
            experiments:
              - type: coldstart
                layers: 2
              - type: imagepull
                layers: 0
                pull: sideways
                padding: lots
            """));

        Assert.Equal(4, e.Problems.Count);
        Assert.Contains("experiments[0].layers: 'layers' is a key of type imagepull only", e.Problems[0], StringComparison.Ordinal);
        Assert.Contains("experiments[1].layers", e.Problems[1], StringComparison.Ordinal);
        Assert.Contains("experiments[1].pull", e.Problems[2], StringComparison.Ordinal);
        Assert.Contains("experiments[1].padding: expected a size", e.Problems[3], StringComparison.Ordinal);
    }
}
