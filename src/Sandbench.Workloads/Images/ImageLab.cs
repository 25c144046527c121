using System.Globalization;
using System.Security.Cryptography;
using Sandbench.Core;
using Sandbench.Core.Images;
using Sandbench.Core.Timing;

namespace Sandbench.Workloads.Images;

/// <summary>
/// One image pull, set up and torn down whole: the image is built into the trial's directory, a
/// docker-registry started on 127.0.0.1 with its own storage, the image pushed with skopeo, pulled with
/// <see cref="RegistryPuller"/>, and the registry stopped and its directory removed, whatever happened.
/// Only the pull is timed. Encrypted levels: a fresh RSA-2048 key pair per trial; skopeo encrypts every layer to
/// the public key as it pushes (<c>--encryption-key jwe:</c>), and the puller holds the private key. Signed levels:
/// a fresh gpg key per trial; skopeo signs the manifest it pushes (<c>--sign-by</c>, containers' simple signing) into a
/// lookaside directory, and the puller trusts that key only.
/// </summary>
public sealed class ImageLab : IImageLab
{
    private const string Repository = "sandbench/image";

    /// <summary>Fault injection for tests: the puller holds another key than the one the layers were encrypted to.</summary>
    public bool WrongDecryptionKey { get; init; }

    /// <summary>Fault injection for tests: the puller trusts another signing key than the one that signed.</summary>
    public bool UntrustedSigner { get; init; }

    public async Task<ImagePullMeasurement> PullAsync(ImagePullRequest request, string workDir, MonotonicClock clock, CancellationToken ct)
    {
        OciImage image;
        try
        {
            image = await OciImageBuilder.BuildAsync(request.RootfsPath, Path.Combine(workDir, "layout"), "v1", request.Layers, request.PaddingBytes, ct,
                request.Compression)
                .ConfigureAwait(false);
        }
        catch (SandbenchException e)
        {
            throw new ImagePullException($"building the image: {e.Message}");
        }
        using var key = RSA.Create(2048);
        var copyOptions = new List<string>();
        if (request.Security.IsEncrypted())
        {
            string pub = Path.Combine(workDir, "layers-key.pub.pem");
            await File.WriteAllTextAsync(pub, key.ExportSubjectPublicKeyInfoPem(), ct).ConfigureAwait(false);
            copyOptions.AddRange(["--encryption-key", $"jwe:{pub}"]);
        }
        await using var signer = request.Security.IsSigned() ? await GpgSigner.CreateAsync(ct).ConfigureAwait(false) : null;
        await using var untrusted = signer is not null && UntrustedSigner ? await GpgSigner.CreateAsync(ct).ConfigureAwait(false) : null;
        var globalOptions = new List<string>();
        string lookaside = Path.Combine(workDir, "lookaside");
        if (signer is not null)
        {
            string registriesD = Path.Combine(workDir, "registries.d");
            Directory.CreateDirectory(registriesD);
            await File.WriteAllTextAsync(Path.Combine(registriesD, "sandbench.yaml"), $"default-docker:\n  lookaside-staging: file://{lookaside}\n", ct).ConfigureAwait(false);
            globalOptions.AddRange(["--registries.d", registriesD]);
            copyOptions.AddRange(["--sign-by", signer.Fingerprint]);
        }
        await using var registry = await LocalRegistry.StartAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        try
        {
            await registry.PushAsync(image, Repository, ct, copyOptions, globalOptions, signer?.Environment).ConfigureAwait(false);
        }
        catch (SandbenchException e)
        {
            throw new ImagePullException($"pushing the image with skopeo: {e.Message}");
        }
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["manifest_digest"] = image.ManifestDigest,
            ["layer_media_type"] = OciImageBuilder.MediaType(request.Compression) + (request.Security.IsEncrypted() ? OciDecryptor.EncryptedSuffix : ""),
            ["uncompressed_bytes"] = image.Layers.Sum(l => l.TarBytes).ToString(CultureInfo.InvariantCulture),
        };
        if (signer is not null) details["signature"] = "simple signing (OpenPGP RSA-2048, gpg via skopeo --sign-by)";
        if (request.Security.IsEncrypted()) details["encryption"] = "ocicrypt JWE RSA-OAEP-2048 + AES_256_CTR_HMAC_SHA256 (skopeo --encryption-key)";
        if (request.Mode == PullMode.Containerd)
        {
            if (request.Security != SecurityLevel.Plain)
                throw new ImagePullException($"security level {SecurityLevels.Name(request.Security)}: the containerd comparison pulls plain images only");
            await using var containerd = await ContainerdDaemon.StartAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            var (fetch, unpack) = await containerd.PullAsync($"{registry.Host}/{Repository}:v1", clock, ct).ConfigureAwait(false);
            return new ImagePullMeasurement(image.CompressedBytes, null, fetch + unpack, [new("fetch_ns", fetch), new("unpack_ns", unpack)], [], details);
        }
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        string pulled = Path.Combine(workDir, "pulled");
        try
        {
            using var held = WrongDecryptionKey ? RSA.Create(2048) : null;
            var decryptor = request.Security.IsEncrypted() ? new OciDecryptor(held ?? key) : null;
            var verifier = signer is null ? null : new SimpleSigningVerifier((untrusted ?? signer).PublicKey, lookaside);
            var result = await new RegistryPuller(http, clock, decryptor, verifier)
                .PullAsync(registry.Host, Repository, "v1", pulled, request.Mode == PullMode.Concurrent, ct).ConfigureAwait(false);
            var l = result.Layers;
            return new ImagePullMeasurement(image.CompressedBytes, result.ManifestNs, result.TotalNs,
                [.. verifier is null ? Array.Empty<KeyValuePair<string, long>>() : [new("verify_signature_ns", result.SignatureNs)],
                    new("fetch_ns", l.Sum(x => x.FetchNs)), new("verify_ns", l.Sum(x => x.VerifyNs)), .. decryptor is null ? Array.Empty<KeyValuePair<string, long>>() : [new("decrypt_ns", l.Sum(x => x.DecryptNs))],
                    new("decompress_ns", l.Sum(x => x.DecompressNs)), new("unpack_ns", l.Sum(x => x.UnpackNs))],
                l, details);
        }
        finally
        {
            // The pulled tree can be large: it goes now, not with the trial's directory.
            if (Directory.Exists(pulled)) Directory.Delete(pulled, recursive: true);
        }
    }
}
