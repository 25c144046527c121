using Sandbench.Core.Timing;

namespace Sandbench.Core.Images;

/// <summary>Who pulls, and how.</summary>
public enum PullMode
{
    /// <summary>Sandbench's client, one layer after the other through fetch, verify, decompress, unpack.</summary>
    Serial,
    /// <summary>Sandbench's client, every layer fetched, verified and decompressed at once, then unpacked in order.</summary>
    Concurrent,
    /// <summary>A private containerd: <c>ctr content fetch</c>, then <c>ctr images pull</c> of the local content (unpack).</summary>
    Containerd,
}

/// <summary>How an image's layers are compressed (the OCI layer media types <c>tar+gzip</c> and <c>tar+zstd</c>).</summary>
public enum LayerCompression
{
    Gzip,
    Zstd,
}

/// <summary>What to pull: an image of the workload's root filesystem plus random padding, in <paramref name="Layers"/> compressed layers.</summary>
/// <param name="Security">Plain, signed, encrypted layers, or both.</param>
/// <param name="Compression">gzip or zstd layers.</param>
public sealed record ImagePullRequest(string RootfsPath, int Layers, long PaddingBytes, PullMode Mode, SecurityLevel Security = SecurityLevel.Plain,
    LayerCompression Compression = LayerCompression.Gzip);

/// <summary>One layer's pull, each step on its own (ns on the monotonic clock).</summary>
/// <param name="FetchNs">GET of the blob, its bytes written to a file as they arrive.</param>
/// <param name="VerifyNs">sha256 of the file, compared with the digest the manifest names.</param>
/// <param name="DecompressNs">The blob streamed through the decompressor into a tar file.</param>
/// <param name="UnpackNs">The tar extracted into the root filesystem directory.</param>
/// <param name="DecryptNs">Encrypted layers: the layer key unwrapped (JWE), the HMAC checked and the blob decrypted to a file; 0 otherwise.</param>
public sealed record LayerTiming(string Digest, long Bytes, long TarBytes, long FetchNs, long VerifyNs, long DecompressNs, long UnpackNs, long DecryptNs = 0);

/// <summary>A measured pull: the manifest, each layer, start to end, and what the image was.</summary>
/// <param name="ImageBytes">Compressed bytes of all layers.</param>
/// <param name="ManifestNs">The manifest's GET; null where the puller does not show it (containerd).</param>
/// <param name="Steps">Each step's time summed over the layers, by metric name (fetch_ns, verify_ns ...): only the steps this puller separates.</param>
/// <param name="Layers">Per layer, where the puller shows layers (Sandbench's client).</param>
/// <param name="Details">Facts stored with the trial (image digest ...).</param>
public sealed record ImagePullMeasurement(long ImageBytes, long? ManifestNs, long TotalNs, IReadOnlyList<KeyValuePair<string, long>> Steps,
    IReadOnlyList<LayerTiming> Layers, IReadOnlyDictionary<string, string> Details);

/// <summary>
/// Builds an image, serves it from a registry on 127.0.0.1 that it starts, pulls it with Sandbench's own client
/// and stops the registry, removing everything it wrote, on every exit path.
/// </summary>
public interface IImageLab
{
    Task<ImagePullMeasurement> PullAsync(ImagePullRequest request, string workDir, MonotonicClock clock, CancellationToken ct);
}

/// <summary>A pull that failed: the registry down or answering with an error, a bad manifest, a tool that failed.</summary>
public class ImagePullException(string message) : Exception(message);

/// <summary>A blob whose bytes do not hash to the digest it was asked for by.</summary>
public sealed class DigestMismatchException(string message) : ImagePullException(message);
