using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;

namespace Sandbench.Core.Stats;

/// <summary>Image-pull statistics of one image configuration in a run (times in ms; medians over trials in the summaries).</summary>
/// <param name="Pull">Manifest GET to the last layer unpacked.</param>
/// <param name="Compression">The layers' compression (gzip, zstd; gzip for runs stored before zstd existed).</param>
/// <param name="Security">The security level (plain, signed, encrypted, signed+encrypted; plain for runs stored before levels existed).</param>
/// <param name="Signature">Signed levels: the manifest's signature read and verified; null on other levels.</param>
/// <param name="Decrypt">Encrypted levels: the layers' decryption (key unwrap, HMAC, AES-CTR); null on other levels.</param>
/// <param name="Fetch">Sum over the layers of each one's fetch (concurrent pulls overlap them: the sum exceeds the wall time).</param>
public sealed record ImagePullResult(
    string Runtime,
    string Layers,
    string Padding,
    string Mode,
    string Compression,
    string Security,
    Summary? Pull,
    Summary? Manifest,
    Summary? Signature,
    Summary? Fetch,
    Summary? Verify,
    Summary? Decrypt,
    Summary? Decompress,
    Summary? Unpack,
    double? ImageMiB,
    int Failed,
    IReadOnlyList<string> Errors);

/// <summary>Turns stored imagepull trials into one row per image configuration. Warm-ups and failed trials never enter it.</summary>
public static class ImagePullAnalysis
{
    public static IReadOnlyList<ImagePullResult> Of(IReadOnlyList<TrialRecord> trials) =>
        [.. trials.Where(t => t.Experiment == "imagepull")
            .GroupBy(t => (t.Runtime, Layers: P(t, "layers"), Padding: P(t, "padding"), Mode: P(t, "pull"), Compression: t.Parameters.GetValueOrDefault("compression", "gzip"), Security: t.Parameters.GetValueOrDefault("security", "plain")))
            .OrderBy(g => g.Min(t => t.Id))
            .Select(g =>
            {
                var measured = g.Where(t => !t.Warmup).ToList();
                var ok = measured.Where(t => t.Status == TrialStatus.Ok && t.Sample(ImagePullExperiment.PullMetric) is not null).ToList();
                Summary? Ms(string metric) => Summary.Of(ok.Values(metric))?.Scale(1e-6);
                var bytes = ok.Values(ImagePullExperiment.ImageMetric);
                return new ImagePullResult(g.Key.Runtime, g.Key.Layers, g.Key.Padding, g.Key.Mode, g.Key.Compression, g.Key.Security,
                    Ms(ImagePullExperiment.PullMetric), Ms(ImagePullExperiment.ManifestMetric), Ms("verify_signature_ns"),
                    Ms("fetch_ns"), Ms("verify_ns"), Ms("decrypt_ns"), Ms("decompress_ns"), Ms("unpack_ns"),
                    bytes.Count > 0 ? bytes.Average() / (1 << 20) : null,
                    measured.Count - ok.Count,
                    [.. measured.Where(t => t.Error is not null).Select(t => t.Error!).Distinct().Take(3)]);
            })];

    private static string P(TrialRecord t, string key) => t.Parameters.TryGetValue(key, out var v) ? v : "–";
}
