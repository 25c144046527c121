using Sandbench.Core.Experiments;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;

namespace Sandbench.Core.Tests.Stats;

public sealed class ImagePullAnalysisTests
{
    private static TrialRecord Pull(string? compression, double pullMs, long id) =>
        new("r", "imagepull", "process", "hello",
            compression is null
                ? new Dictionary<string, string> { ["layers"] = "4", ["padding"] = "16777216", ["pull"] = "serial", ["security"] = "plain" }
                : new Dictionary<string, string> { ["layers"] = "4", ["padding"] = "16777216", ["pull"] = "serial", ["security"] = "plain", ["compression"] = compression },
            0, false, TrialStatus.Ok, null, "none", 0, DateTimeOffset.UnixEpoch, 0, [],
            [new(ImagePullExperiment.PullMetric, pullMs * 1e6), new("decompress_ns", pullMs * 1e5)])
        { Id = id };

    [Fact]
    public void Of_GzipAndZstdSectionsOfOneImage_AreTwoRowsAndOlderTrialsCountAsGzip()
    {
        var rows = ImagePullAnalysis.Of([Pull("gzip", 100, 1), Pull(null, 120, 2), Pull("zstd", 80, 3), Pull("zstd", 90, 4)]);

        Assert.Equal(["gzip", "zstd"], rows.Select(r => r.Compression));
        Assert.Equal([110, 85], rows.Select(r => r.Pull!.P50));
        Assert.Equal([2, 2], rows.Select(r => r.Pull!.N));
    }
}
