using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Sandbench.Core.Images;
using Sandbench.Core.Timing;

namespace Sandbench.Workloads.Images;

/// <summary>A whole pull: the manifest's GET, each layer, and start to end.</summary>
/// <param name="SignatureNs">Signed levels: the manifest's signature read and verified, before any layer; 0 otherwise.</param>
public sealed record PullResult(long ManifestNs, IReadOnlyList<LayerTiming> Layers, long TotalNs, bool Concurrent, long SignatureNs = 0);

/// <summary>
/// A small OCI distribution client (plain HTTP, no auth: a registry on loopback) that pulls an image into a
/// directory and times each layer's fetch, verify, decompress and unpack apart. Serial: one layer after the other,
/// each through all four steps. Concurrent: every layer's fetch, verify and decompress at once; then the layers
/// are unpacked in manifest order (a later layer overwrites an earlier one's files, as containerd applies them).
/// Encrypted layers are decrypted between verify and decompress (the digest is the ciphertext's).
/// Whiteout files are extracted as plain files.
/// </summary>
/// <param name="decryptor">Opens encrypted (ocicrypt) layers; without one, an encrypted layer fails the pull.</param>
/// <param name="signatures">When given, the manifest's signature must verify before any layer is fetched.</param>
public sealed class RegistryPuller(HttpClient http, MonotonicClock clock, OciDecryptor? decryptor = null, SimpleSigningVerifier? signatures = null)
{
    private const string ManifestTypes = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

    public async Task<PullResult> PullAsync(string registryHost, string repository, string reference, string destDir, bool concurrent, CancellationToken ct)
    {
        long start = clock.NowNs();
        string baseUri = $"http://{registryHost}/v2/{repository}";
        var (layers, manifest) = await ManifestAsync($"{baseUri}/manifests/{reference}", ct).ConfigureAwait(false);
        long manifestNs = clock.NowNs() - start;
        long signatureNs = 0;
        if (signatures is not null)
        {
            long s0 = clock.NowNs();
            await signatures.VerifyAsync($"{registryHost}/{repository}:{reference}", repository, manifest, ct).ConfigureAwait(false);
            signatureNs = clock.NowNs() - s0;
        }
        string blobs = Path.Combine(destDir, "blobs");
        string rootfs = Path.Combine(destDir, "rootfs");
        Directory.CreateDirectory(blobs);
        Directory.CreateDirectory(rootfs);
        var results = new List<LayerTiming>();
        if (concurrent)
        {
            var fetched = await Task.WhenAll(layers.Select(l => FetchVerifyDecompressAsync(baseUri, l, blobs, ct))).ConfigureAwait(false);
            foreach (var f in fetched) results.Add(f with { UnpackNs = await UnpackAsync(f, blobs, rootfs, ct).ConfigureAwait(false) });
        }
        else
        {
            foreach (var l in layers)
            {
                var f = await FetchVerifyDecompressAsync(baseUri, l, blobs, ct).ConfigureAwait(false);
                results.Add(f with { UnpackNs = await UnpackAsync(f, blobs, rootfs, ct).ConfigureAwait(false) });
            }
        }
        return new PullResult(manifestNs, results, clock.NowNs() - start, concurrent, signatureNs);
    }

    private sealed record Layer(string Digest, long Size, string MediaType, IReadOnlyDictionary<string, string> Annotations);

    private static readonly string[] GzipTypes = [OciImageBuilder.GzipLayer, "application/vnd.docker.image.rootfs.diff.tar.gzip"];
    private static readonly string[] ZstdTypes = [OciImageBuilder.ZstdLayer, "application/vnd.docker.image.rootfs.diff.tar.zstd"];

    private async Task<(IReadOnlyList<Layer> Layers, byte[] Bytes)> ManifestAsync(string uri, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, uri);
        req.Headers.Accept.ParseAdd(ManifestTypes);
        using var resp = await Send(req, ct).ConfigureAwait(false);
        byte[] bytes = await resp.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(bytes);
        if (!doc.RootElement.TryGetProperty("layers", out var layers))
            throw new ImagePullException($"{uri}: the manifest has no layers (an index? only single-platform manifests are pulled)");
        return ([.. layers.EnumerateArray().Select(l => new Layer(l.GetProperty("digest").GetString()!, l.GetProperty("size").GetInt64(), l.GetProperty("mediaType").GetString()!,
            l.TryGetProperty("annotations", out var a) ? a.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal) : new Dictionary<string, string>()))], bytes);
    }

    private async Task<HttpResponseMessage> Send(HttpRequestMessage req, CancellationToken ct)
    {
        HttpResponseMessage resp;
        try
        {
            resp = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ImagePullException($"registry {req.RequestUri!.Authority}: {e.Message}");
        }
        if (!resp.IsSuccessStatusCode)
        {
            resp.Dispose();
            throw new ImagePullException($"{req.Method} {req.RequestUri}: {(int)resp.StatusCode} {resp.ReasonPhrase}");
        }
        return resp;
    }

    private async Task<LayerTiming> FetchVerifyDecompressAsync(string baseUri, Layer layer, string blobs, CancellationToken ct)
    {
        if (!layer.Digest.StartsWith("sha256:", StringComparison.Ordinal) || layer.Digest.Length != 71 || !layer.Digest[7..].All(char.IsAsciiHexDigitLower))
            throw new ImagePullException($"layer digest '{layer.Digest}' is not sha256:<64 hex>");
        bool encrypted = layer.MediaType.EndsWith(OciDecryptor.EncryptedSuffix, StringComparison.Ordinal);
        string inner = encrypted ? layer.MediaType[..^OciDecryptor.EncryptedSuffix.Length] : layer.MediaType;
        bool zstd = ZstdTypes.Contains(inner);
        if (!zstd && !GzipTypes.Contains(inner))
            throw new ImagePullException($"layer {layer.Digest}: media type {layer.MediaType} is not pulled (gzip or zstd layers, encrypted or not)");
        if (encrypted && decryptor is null)
            throw new ImagePullException($"layer {layer.Digest}: encrypted ({layer.MediaType}) and no decryption key is held");
        string hex = layer.Digest[7..];
        string blob = Path.Combine(blobs, hex);
        string tar = blob + ".tar";

        long t0 = clock.NowNs();
        using (var req = new HttpRequestMessage(HttpMethod.Get, $"{baseUri}/blobs/{layer.Digest}"))
        using (var resp = await Send(req, ct).ConfigureAwait(false))
        await using (var body = await resp.Content.ReadAsStreamAsync(ct).ConfigureAwait(false))
        await using (var file = File.Create(blob))
            await body.CopyToAsync(file, ct).ConfigureAwait(false);
        long t1 = clock.NowNs();

        string got;
        await using (var file = File.OpenRead(blob)) got = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct).ConfigureAwait(false));
        long bytes = new FileInfo(blob).Length;
        if (got != hex)
            throw new DigestMismatchException($"layer {layer.Digest}: the registry sent {bytes} bytes whose digest is sha256:{got}");
        long t2 = clock.NowNs();

        string compressed = blob;
        if (encrypted)
        {
            compressed = blob + ".dec";
            await decryptor!.DecryptAsync(layer.Digest, layer.Annotations, blob, compressed, ct).ConfigureAwait(false);
        }
        long td = clock.NowNs();

        try
        {
            await using var file = File.OpenRead(compressed);
            await using var decompressor = zstd ? new ZstdSharp.DecompressionStream(file) : (Stream)new GZipStream(file, CompressionMode.Decompress);
            await using var output = File.Create(tar);
            await decompressor.CopyToAsync(output, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException)
        {
            throw new ImagePullException($"layer {layer.Digest}: not valid {(zstd ? "zstd" : "gzip")} data: {e.Message}");
        }
        long t3 = clock.NowNs();
        return new LayerTiming(layer.Digest, bytes, new FileInfo(tar).Length, t1 - t0, t2 - t1, t3 - td, 0, td - t2);
    }

    private async Task<long> UnpackAsync(LayerTiming layer, string blobs, string rootfs, CancellationToken ct)
    {
        string tar = Path.Combine(blobs, layer.Digest[7..] + ".tar");
        long t0 = clock.NowNs();
        await TarFile.ExtractToDirectoryAsync(tar, rootfs, overwriteFiles: true, ct).ConfigureAwait(false);
        return clock.NowNs() - t0;
    }
}
