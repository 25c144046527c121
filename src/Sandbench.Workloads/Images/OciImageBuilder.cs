using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbench.Core;
using Sandbench.Core.Images;

namespace Sandbench.Workloads.Images;

/// <summary>One layer of a built image: its blob's digest and size, and the digest of the tar inside (diff_id).</summary>
public sealed record LayerBlob(string Digest, long Bytes, string DiffId, long TarBytes, string MediaType);

/// <summary>An image in an OCI layout directory (<c>oci:DIR:TAG</c> for skopeo).</summary>
public sealed record OciImage(string LayoutDir, string Tag, string ManifestDigest, IReadOnlyList<LayerBlob> Layers)
{
    public long CompressedBytes => Layers.Sum(l => l.Bytes);
}

/// <summary>
/// Writes an OCI image layout by hand: layer 0 holds the workload's root filesystem, and every layer a file of
/// incompressible (random) padding, so the image has the size and layer count asked for whatever the
/// compressor does. Layers are gzip-compressed (<c>tar+gzip</c>, .NET's zlib at its fastest level) or
/// zstd-compressed (<c>tar+zstd</c>, ZstdSharp at level 3, zstd's default).
/// </summary>
public static class OciImageBuilder
{
    public const string GzipLayer = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string ZstdLayer = "application/vnd.oci.image.layer.v1.tar+zstd";

    /// <summary>The layer media type of a compression.</summary>
    public static string MediaType(LayerCompression c) => c == LayerCompression.Zstd ? ZstdLayer : GzipLayer;
    private const string ManifestType = "application/vnd.oci.image.manifest.v1+json";

    /// <param name="paddingBytes">Random bytes spread evenly over the layers.</param>
    public static async Task<OciImage> BuildAsync(string rootfs, string layoutDir, string tag, int layers, long paddingBytes, CancellationToken ct,
        LayerCompression compression = LayerCompression.Gzip)
    {
        if (layers is < 1 or > 128) throw new SandbenchException($"layers: {layers} is out of range (1 to 128)");
        if (paddingBytes < 0) throw new SandbenchException("padding bytes cannot be negative");
        string blobs = Path.Combine(layoutDir, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var built = new List<LayerBlob>();
        for (int i = 0; i < layers; i++)
        {
            long pad = paddingBytes / layers + (i == 0 ? paddingBytes % layers : 0);
            built.Add(await LayerAsync(i == 0 ? rootfs : null, i, pad, blobs, compression, ct).ConfigureAwait(false));
        }
        var config = new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject { ["Cmd"] = new JsonArray("/bin/hello") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray([.. built.Select(l => (JsonNode)l.DiffId)]) },
        };
        var (configDigest, configBytes) = WriteBlob(blobs, JsonSerializer.SerializeToUtf8Bytes(config));
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestType,
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", configDigest, configBytes),
            ["layers"] = new JsonArray([.. built.Select(l => (JsonNode)Descriptor(l.MediaType, l.Digest, l.Bytes))]),
        };
        var (manifestDigest, manifestBytes) = WriteBlob(blobs, JsonSerializer.SerializeToUtf8Bytes(manifest));
        var manifestDescriptor = Descriptor(ManifestType, manifestDigest, manifestBytes);
        manifestDescriptor["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        await File.WriteAllTextAsync(Path.Combine(layoutDir, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""", ct).ConfigureAwait(false);
        var index = new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(manifestDescriptor) };
        await File.WriteAllBytesAsync(Path.Combine(layoutDir, "index.json"), JsonSerializer.SerializeToUtf8Bytes(index), ct).ConfigureAwait(false);
        return new OciImage(layoutDir, tag, manifestDigest, built);
    }

    private static JsonObject Descriptor(string mediaType, string digest, long size) =>
        new() { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = size };

    private static (string Digest, long Bytes) WriteBlob(string blobs, byte[] content)
    {
        string hex = Convert.ToHexStringLower(SHA256.HashData(content));
        File.WriteAllBytes(Path.Combine(blobs, hex), content);
        return ("sha256:" + hex, content.Length);
    }

    private static async Task<LayerBlob> LayerAsync(string? rootfs, int index, long padding, string blobs, LayerCompression compression, CancellationToken ct)
    {
        string tarPath = Path.Combine(blobs, $".layer-{index}.tar");
        string gzPath = Path.Combine(blobs, $".layer-{index}.tar.gz");
        try
        {
            await using (var tarFile = File.Create(tarPath))
            {
                await using (var tar = new TarWriter(tarFile, TarEntryFormat.Pax, leaveOpen: true))
                {
                    if (rootfs is not null)
                        foreach (var path in Directory.EnumerateFileSystemEntries(rootfs, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                            await tar.WriteEntryAsync(path, Path.GetRelativePath(rootfs, path), ct).ConfigureAwait(false);
                    if (padding > 0)
                    {
                        string padFile = Path.Combine(blobs, $".pad-{index}");
                        await using (var pf = File.Create(padFile))
                        {
                            var chunk = new byte[1 << 20];
                            for (long left = padding; left > 0; left -= chunk.Length)
                            {
                                RandomNumberGenerator.Fill(chunk);
                                await pf.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, left)), ct).ConfigureAwait(false);
                            }
                        }
                        await tar.WriteEntryAsync(padFile, $"padding/layer-{index}", ct).ConfigureAwait(false);
                        File.Delete(padFile);
                    }
                }
            }
            string diffId;
            await using (var t = File.OpenRead(tarPath)) diffId = "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(t, ct).ConfigureAwait(false));
            await using (var t = File.OpenRead(tarPath))
            await using (var gz = File.Create(gzPath))
            await using (var z = compression == LayerCompression.Zstd ? new ZstdSharp.CompressionStream(gz, 3) : (Stream)new GZipStream(gz, CompressionLevel.Fastest))
                await t.CopyToAsync(z, ct).ConfigureAwait(false);
            string hex;
            await using (var g = File.OpenRead(gzPath)) hex = Convert.ToHexStringLower(await SHA256.HashDataAsync(g, ct).ConfigureAwait(false));
            long bytes = new FileInfo(gzPath).Length;
            File.Move(gzPath, Path.Combine(blobs, hex), overwrite: true);
            return new LayerBlob("sha256:" + hex, bytes, diffId, new FileInfo(tarPath).Length, MediaType(compression));
        }
        finally
        {
            File.Delete(tarPath);
            File.Delete(gzPath);
        }
    }
}
