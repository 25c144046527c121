using System.Globalization;
using Sandbench.Core;
using Sandbench.Core.Images;
using Sandbench.Core.Timing;

namespace Sandbench.Workloads.Images;

/// <summary>
/// One image pull, set up and torn down whole: the image is built into the trial's directory, a
/// docker-registry started on 127.0.0.1 with its own storage, the image pushed with skopeo, pulled with
/// <see cref="RegistryPuller"/>, and the registry stopped and its directory removed, whatever happened.
/// Only the pull is timed.
/// </summary>
public sealed class ImageLab : IImageLab
{
    private const string Repository = "sandbench/image";

    public async Task<ImagePullMeasurement> PullAsync(ImagePullRequest request, string workDir, MonotonicClock clock, CancellationToken ct)
    {
        OciImage image;
        try
        {
            image = await OciImageBuilder.BuildAsync(request.RootfsPath, Path.Combine(workDir, "layout"), "v1", request.Layers, request.PaddingBytes, ct)
                .ConfigureAwait(false);
        }
        catch (SandbenchException e)
        {
            throw new ImagePullException($"building the image: {e.Message}");
        }
        await using var registry = await LocalRegistry.StartAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        try
        {
            await registry.PushAsync(image, Repository, ct).ConfigureAwait(false);
        }
        catch (SandbenchException e)
        {
            throw new ImagePullException($"pushing the image with skopeo: {e.Message}");
        }
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["manifest_digest"] = image.ManifestDigest,
            ["layer_media_type"] = OciImageBuilder.GzipLayer,
            ["uncompressed_bytes"] = image.Layers.Sum(l => l.TarBytes).ToString(CultureInfo.InvariantCulture),
        };
        if (request.Mode == PullMode.Containerd)
        {
            await using var containerd = await ContainerdDaemon.StartAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            var (fetch, unpack) = await containerd.PullAsync($"{registry.Host}/{Repository}:v1", clock, ct).ConfigureAwait(false);
            return new ImagePullMeasurement(image.CompressedBytes, null, fetch + unpack, [new("fetch_ns", fetch), new("unpack_ns", unpack)], [], details);
        }
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        string pulled = Path.Combine(workDir, "pulled");
        try
        {
            var result = await new RegistryPuller(http, clock)
                .PullAsync(registry.Host, Repository, "v1", pulled, request.Mode == PullMode.Concurrent, ct).ConfigureAwait(false);
            var l = result.Layers;
            return new ImagePullMeasurement(image.CompressedBytes, result.ManifestNs, result.TotalNs,
                [new("fetch_ns", l.Sum(x => x.FetchNs)), new("verify_ns", l.Sum(x => x.VerifyNs)), new("decompress_ns", l.Sum(x => x.DecompressNs)), new("unpack_ns", l.Sum(x => x.UnpackNs))],
                l, details);
        }
        finally
        {
            // The pulled tree can be large: it goes now, not with the trial's directory.
            if (Directory.Exists(pulled)) Directory.Delete(pulled, recursive: true);
        }
    }
}
