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

        Assert.Equal(new ImagePullSpec(2 << 20, 3, Sandbench.Core.Images.PullMode.Concurrent, ImagePullSpec.PlainOnly), plan.Experiments[0].Image);
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

public sealed class ImagePullSecurityPlanTests
{
    private static Plan Load(string yaml) =>
        PlanLoader.Load(yaml, "plan.yaml", TestCatalog.Catalog with { Experiments = ["coldstart", "imagepull"] });

    [Fact]
    public void Load_SecurityLevels_EachAPointOfTheSection()
    {
        var plan = Load("""
            name: p
            runtimes: [process]
            experiments:
              - type: imagepull
                iterations: 2
                warmup: 0
                security: [plain, signed+encrypted, encrypted]
            """);

        Assert.Equal([Images.SecurityLevel.Plain, Images.SecurityLevel.SignedAndEncrypted, Images.SecurityLevel.EncryptedLayers], plan.Experiments[0].Image!.Security);
        var trials = Sandbench.Core.Execution.RunExecutor.Expand(plan, plan.Runtimes).ToList();
        Assert.Equal(
            [(0, Images.SecurityLevel.Plain), (0, Images.SecurityLevel.SignedAndEncrypted), (0, Images.SecurityLevel.EncryptedLayers),
             (1, Images.SecurityLevel.Plain), (1, Images.SecurityLevel.SignedAndEncrypted), (1, Images.SecurityLevel.EncryptedLayers)],
            trials.Select(t => (t.Iteration, t.Security!.Value)));
    }

    [Fact]
    public void Load_UnknownLevelOrContainerdWithEncryption_ReportsEach()
    {
        var e = Assert.Throws<SandbenchException>(() => Load("""
            name: p
            runtimes: [process]
            experiments:
              - type: imagepull
                security: [plain, sealed]
              - type: imagepull
                pull: containerd
                security: [encrypted]
              - type: coldstart
                security: [plain]
            """));

        Assert.Equal(3, e.Problems.Count);
        Assert.Contains("experiments[0].security: 'sealed' is not a security level (valid: plain, signed, encrypted, signed+encrypted)", e.Problems[0], StringComparison.Ordinal);
        Assert.Contains("experiments[1].security: the containerd comparison pulls plain images only", e.Problems[1], StringComparison.Ordinal);
        Assert.Contains("experiments[2].security: 'security' is a key of type imagepull only", e.Problems[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Compression_GzipByDefaultZstdWhenAskedOtherValuesAndTypesRefused()
    {
        var plan = Load("""
            name: p
            runtimes: [process]
            experiments:
              - type: imagepull
              - type: imagepull
                compression: zstd
            """);
        Assert.Equal([Images.LayerCompression.Gzip, Images.LayerCompression.Zstd], plan.Experiments.Select(e => e.Image!.Compression));

        var e = Assert.Throws<SandbenchException>(() => Load("""
            name: p
            runtimes: [process]
            experiments:
              - type: imagepull
                compression: brotli
              - type: coldstart
                compression: zstd
            """));

        Assert.Equal(2, e.Problems.Count);
        Assert.Contains("experiments[0].compression", e.Problems[0], StringComparison.Ordinal);
        Assert.Contains("gzip, zstd", e.Problems[0], StringComparison.Ordinal);
        Assert.Contains("experiments[1].compression: 'compression' is a key of type imagepull only", e.Problems[1], StringComparison.Ordinal);
    }
}
