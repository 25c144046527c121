using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Sandbench.Core.Images;
using Sandbench.Core.Timing;

namespace Sandbench.Workloads.Images;

/// <summary>A whole pull: the manifest's GET, each layer, and start to end.</summary>
public sealed record PullResult(long ManifestNs, IReadOnlyList<LayerTiming> Layers, long TotalNs, bool Concurrent);

/// <summary>
/// A small OCI distribution client (plain HTTP, no auth: a registry on loopback) that pulls an image into a
/// directory and times each layer's fetch, verify, decompress and unpack apart. Serial: one layer after the other,
/// each through all four steps. Concurrent: every layer's fetch, verify and decompress at once; then the layers
/// are unpacked in manifest order (a later layer overwrites an earlier one's files, as containerd applies them).
/// Whiteout files are extracted as plain files.
/// </summary>
public sealed class RegistryPuller(HttpClient http, MonotonicClock clock)
{
    private const string ManifestTypes = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

    public async Task<PullResult> PullAsync(string registryHost, string repository, string reference, string destDir, bool concurrent, CancellationToken ct)
    {
        long start = clock.NowNs();
        string baseUri = $"http://{registryHost}/v2/{repository}";
        var layers = await ManifestAsync($"{baseUri}/manifests/{reference}", ct).ConfigureAwait(false);
        long manifestNs = clock.NowNs() - start;
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
        return new PullResult(manifestNs, results, clock.NowNs() - start, concurrent);
    }

    private sealed record Layer(string Digest, long Size, string MediaType);

    private async Task<IReadOnlyList<Layer>> ManifestAsync(string uri, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, uri);
        req.Headers.Accept.ParseAdd(ManifestTypes);
        using var resp = await Send(req, ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(await resp.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        if (!doc.RootElement.TryGetProperty("layers", out var layers))
            throw new ImagePullException($"{uri}: the manifest has no layers (an index? only single-platform manifests are pulled)");
        return [.. layers.EnumerateArray().Select(l => new Layer(l.GetProperty("digest").GetString()!, l.GetProperty("size").GetInt64(), l.GetProperty("mediaType").GetString()!))];
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
        if (layer.MediaType is not (OciImageBuilder.GzipLayer or "application/vnd.docker.image.rootfs.diff.tar.gzip"))
            throw new ImagePullException($"layer {layer.Digest}: media type {layer.MediaType} is not pulled (gzip layers only)");
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

        await using (var file = File.OpenRead(blob))
        await using (var gz = new GZipStream(file, CompressionMode.Decompress))
        await using (var output = File.Create(tar))
            await gz.CopyToAsync(output, ct).ConfigureAwait(false);
        long t3 = clock.NowNs();
        return new LayerTiming(layer.Digest, bytes, new FileInfo(tar).Length, t1 - t0, t2 - t1, t3 - t2, 0);
    }

    private async Task<long> UnpackAsync(LayerTiming layer, string blobs, string rootfs, CancellationToken ct)
    {
        string tar = Path.Combine(blobs, layer.Digest[7..] + ".tar");
        long t0 = clock.NowNs();
        await TarFile.ExtractToDirectoryAsync(tar, rootfs, overwriteFiles: true, ct).ConfigureAwait(false);
        return clock.NowNs() - t0;
    }
}
