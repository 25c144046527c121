using Microsoft.Extensions.Time.Testing;
using Sandbench.Core.Experiments;
using Sandbench.Core.Images;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Core.Tests.Experiments;

/// <summary>The imagepull experiment's bookkeeping, on a scripted image lab.</summary>
public sealed class ImagePullExperimentTests
{
    private static readonly Artifact Hello = new("hello", "/bin/hello", "/rootfs", "/bin/hello", "hash", 900_000, []);

    private sealed class ScriptedLab(Func<ImagePullRequest, ImagePullMeasurement> pull) : IImageLab
    {
        public ImagePullRequest? Asked { get; private set; }

        public Task<ImagePullMeasurement> PullAsync(ImagePullRequest request, string workDir, MonotonicClock clock, CancellationToken ct)
        {
            Asked = request;
            return Task.FromResult(pull(request));
        }
    }

    private static TrialContext Context(IImageLab lab, ImagePullSpec image) => new(
        new TrialPlan(ExperimentSpec.ColdStartDefaults with { Type = "imagepull", Image = image }, TestCatalog.Process, "hello", 0, false),
        new FakeRuntime("process", new RuntimeCapabilities(false, true, true)), Hello, "sb-test-1", "/nonexistent", new MonotonicClock(new FakeTimeProvider()))
    { Images = lab };

    [Fact]
    public async Task Run_TwoLayers_StepsSummedAndPerLayer()
    {
        var lab = new ScriptedLab(_ => new ImagePullMeasurement(3000, 5, 1000,
            [new("fetch_ns", 300), new("verify_ns", 21), new("decompress_ns", 41), new("unpack_ns", 61)],
            [new LayerTiming("sha256:a", 1000, 2000, 100, 10, 20, 30), new LayerTiming("sha256:b", 2000, 4000, 200, 11, 21, 31)],
            new Dictionary<string, string> { ["manifest_digest"] = "sha256:m" }));

        var outcome = await new ImagePullExperiment().RunAsync(Context(lab, new ImagePullSpec(1 << 20, 2, PullMode.Concurrent, ImagePullSpec.PlainOnly)), CancellationToken.None);

        Assert.Equal(TrialStatus.Ok, outcome.Status);
        Assert.Equal(new ImagePullRequest("/rootfs", 2, 1 << 20, PullMode.Concurrent), lab.Asked);
        var s = outcome.Samples.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(1000, s[ImagePullExperiment.PullMetric]);
        Assert.Equal(5, s[ImagePullExperiment.ManifestMetric]);
        Assert.Equal(3000, s[ImagePullExperiment.ImageMetric]);
        Assert.Equal(300, s["fetch_ns"]);
        Assert.Equal(21, s["verify_ns"]);
        Assert.Equal(41, s["decompress_ns"]);
        Assert.Equal(61, s["unpack_ns"]);
        Assert.Equal(200, s["layer1.fetch_ns"]);
        Assert.Equal("concurrent", outcome.Parameters["pull"]);
        Assert.Equal("2", outcome.Parameters["layers"]);
        Assert.Equal("sha256:m", outcome.Parameters["manifest_digest"]);
    }

    [Fact]
    public async Task Run_Containerd_OnlyTheStepsItSeparatesNoManifest()
    {
        var lab = new ScriptedLab(_ => new ImagePullMeasurement(3000, null, 900, [new("fetch_ns", 600), new("unpack_ns", 300)], [], new Dictionary<string, string>()));

        var outcome = await new ImagePullExperiment().RunAsync(Context(lab, ImagePullSpec.Defaults with { Mode = PullMode.Containerd }), CancellationToken.None);

        Assert.Equal(TrialStatus.Ok, outcome.Status);
        Assert.Equal(["pull_ns", "image_bytes", "fetch_ns", "unpack_ns"], outcome.Samples.Select(s => s.Key));
        Assert.Equal("containerd", outcome.Parameters["pull"]);
    }

    [Theory]
    [InlineData("registry 127.0.0.1:5000: Connection refused (127.0.0.1:5000)", false)]
    [InlineData("layer sha256:ab: the registry sent 10 bytes whose digest is sha256:cd", true)]
    public async Task Run_PullFails_FailedTrialWithTheReasonAndNoSamples(string message, bool digest)
    {
        var lab = new ScriptedLab(_ => throw (digest ? new DigestMismatchException(message) : new ImagePullException(message)));

        var outcome = await new ImagePullExperiment().RunAsync(Context(lab, ImagePullSpec.Defaults), CancellationToken.None);

        Assert.Equal(TrialStatus.Failed, outcome.Status);
        Assert.Equal(message, outcome.Error);
        Assert.Empty(outcome.Samples);
    }

    [Fact]
    public void Check_NotTheProcessRuntime_SaysToUseProcess()
    {
        var problem = Assert.Single(new ImagePullExperiment().Check(ExperimentSpec.ColdStartDefaults, new FakeRuntime("runc", new RuntimeCapabilities(false, true, true))));

        Assert.Equal("runc: imagepull pulls on the host with Sandbench's own client; list the runtime 'process' for it", problem);
    }
}
