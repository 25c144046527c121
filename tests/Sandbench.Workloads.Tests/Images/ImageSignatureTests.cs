using Sandbench.Core.Host;
using Sandbench.Core.Images;
using Sandbench.Core.Timing;
using Sandbench.Workloads.Images;

namespace Sandbench.Workloads.Tests.Images;

/// <summary>Signed levels against a real docker-registry: skopeo signs with a gpg key (simple signing), our client verifies.</summary>
[Trait("Category", "Integration")]
[Collection("local registry")]
public sealed class ImageSignatureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sandbench-imagesig-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> RootfsAsync() => (await new WorkloadCatalog(WorkloadCatalog.DefaultCacheDir()).GetAsync("hello", Ct)).RootfsPath;

    /// <summary>Pushes the image signed by <paramref name="signer"/> into <paramref name="lookaside"/>.</summary>
    private async Task PushSignedAsync(LocalRegistry registry, OciImage image, GpgSigner signer, string lookaside, string repository)
    {
        string rd = Path.Combine(_dir, "registries.d");
        Directory.CreateDirectory(rd);
        await File.WriteAllTextAsync(Path.Combine(rd, "t.yaml"), $"default-docker:\n  lookaside-staging: file://{lookaside}\n", Ct);
        await registry.PushAsync(image, repository, Ct, ["--sign-by", signer.Fingerprint], ["--registries.d", rd], signer.Environment);
    }

    [Fact]
    public async Task Pull_SignedBySkopeo_SignatureVerifiedAndTimed()
    {
        ImagePullTests.RequireTools("gpg", "gpgconf");
        var image = await OciImageBuilder.BuildAsync(await RootfsAsync(), Path.Combine(_dir, "layout"), "v1", 1, 1 << 16, Ct);
        await using var signer = await GpgSigner.CreateAsync(Ct);
        await using var registry = await LocalRegistry.StartAsync(TimeSpan.FromSeconds(30), Ct);
        string lookaside = Path.Combine(_dir, "lookaside");
        await PushSignedAsync(registry, image, signer, lookaside, "sb/signed");
        using var http = new HttpClient();

        var result = await new RegistryPuller(http, MonotonicClock.System, signatures: new SimpleSigningVerifier(signer.PublicKey, lookaside))
            .PullAsync(registry.Host, "sb/signed", "v1", Path.Combine(_dir, "pulled"), false, Ct);

        Assert.True(result.SignatureNs > 0);
        Assert.True(File.Exists(Path.Combine(lookaside, $"sb/signed@sha256={image.ManifestDigest[7..]}", "signature-1")));
        Assert.True(File.Exists(Path.Combine(_dir, "pulled", "rootfs", "bin", "hello")));
    }

    [Fact]
    public async Task Pull_SignatureOfAnotherManifest_FailsBeforeAnyLayer()
    {
        ImagePullTests.RequireTools("gpg", "gpgconf");
        string rootfs = await RootfsAsync();
        var image = await OciImageBuilder.BuildAsync(rootfs, Path.Combine(_dir, "layout"), "v1", 1, 1 << 16, Ct);
        var other = await OciImageBuilder.BuildAsync(rootfs, Path.Combine(_dir, "layout2"), "v1", 1, 1 << 16, Ct);
        await using var signer = await GpgSigner.CreateAsync(Ct);
        await using var registry = await LocalRegistry.StartAsync(TimeSpan.FromSeconds(30), Ct);
        string lookaside = Path.Combine(_dir, "lookaside");
        await PushSignedAsync(registry, image, signer, lookaside, "sb/signed");
        await PushSignedAsync(registry, other, signer, Path.Combine(_dir, "lookaside2"), "sb/signed");
        // The registry now serves the other image under v1; the lookaside is made to hold the first image's signature for it.
        string dest = Path.Combine(lookaside, $"sb/signed@sha256={other.ManifestDigest[7..]}");
        Directory.CreateDirectory(dest);
        File.Copy(Path.Combine(lookaside, $"sb/signed@sha256={image.ManifestDigest[7..]}", "signature-1"), Path.Combine(dest, "signature-1"));
        using var http = new HttpClient();

        var e = await Assert.ThrowsAsync<ImagePullException>(() => new RegistryPuller(http, MonotonicClock.System, signatures: new SimpleSigningVerifier(signer.PublicKey, lookaside))
            .PullAsync(registry.Host, "sb/signed", "v1", Path.Combine(_dir, "pulled"), false, Ct));

        Assert.Equal($"signature of {registry.Host}/sb/signed:v1: signs manifest {image.ManifestDigest}, the registry served {other.ManifestDigest}", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "pulled")));
    }

    [Fact]
    public async Task Pull_SignatureBytesTampered_ClearError()
    {
        ImagePullTests.RequireTools("gpg", "gpgconf");
        var image = await OciImageBuilder.BuildAsync(await RootfsAsync(), Path.Combine(_dir, "layout"), "v1", 1, 1 << 16, Ct);
        await using var signer = await GpgSigner.CreateAsync(Ct);
        await using var registry = await LocalRegistry.StartAsync(TimeSpan.FromSeconds(30), Ct);
        string lookaside = Path.Combine(_dir, "lookaside");
        await PushSignedAsync(registry, image, signer, lookaside, "sb/signed");
        string sig = Path.Combine(lookaside, $"sb/signed@sha256={image.ManifestDigest[7..]}", "signature-1");
        var bytes = await File.ReadAllBytesAsync(sig, Ct);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(sig, bytes, Ct);
        using var http = new HttpClient();

        var e = await Assert.ThrowsAsync<ImagePullException>(() => new RegistryPuller(http, MonotonicClock.System, signatures: new SimpleSigningVerifier(signer.PublicKey, lookaside))
            .PullAsync(registry.Host, "sb/signed", "v1", Path.Combine(_dir, "pulled"), false, Ct));

        Assert.StartsWith("signature", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "pulled")));
    }

    [Theory]
    [InlineData(SecurityLevel.SignedManifest, false)]
    [InlineData(SecurityLevel.SignedAndEncrypted, false)]
    [InlineData(SecurityLevel.SignedManifest, true)]
    public async Task Lab_SignedLevels_MeasuredOrUntrustedSignerFails_NothingLeft(SecurityLevel level, bool untrusted)
    {
        ImagePullTests.RequireTools("gpg", "gpgconf");
        var before = ImagePullTests.Leftovers() + string.Join(",", Directory.GetDirectories(Path.GetTempPath(), "sandbench-gnupg-*"));
        var request = new ImagePullRequest(await RootfsAsync(), 2, 1 << 17, PullMode.Serial, level);
        var lab = new ImageLab { UntrustedSigner = untrusted };

        if (untrusted)
        {
            var e = await Assert.ThrowsAsync<ImagePullException>(() => lab.PullAsync(request, Path.Combine(_dir, "trial"), MonotonicClock.System, Ct));
            Assert.Matches("^signature: made by key [0-9A-F]{16}, which is not the trusted key$", e.Message);
        }
        else
        {
            var m = await lab.PullAsync(request, Path.Combine(_dir, "trial"), MonotonicClock.System, Ct);
            string[] expected = level == SecurityLevel.SignedManifest
                ? ["verify_signature_ns", "fetch_ns", "verify_ns", "decompress_ns", "unpack_ns"]
                : ["verify_signature_ns", "fetch_ns", "verify_ns", "decrypt_ns", "decompress_ns", "unpack_ns"];
            Assert.Equal(expected, m.Steps.Select(s => s.Key));
            Assert.All(m.Steps, s => Assert.True(s.Value > 0, $"{s.Key} = {s.Value}"));
        }
        Assert.Equal(before, ImagePullTests.Leftovers() + string.Join(",", Directory.GetDirectories(Path.GetTempPath(), "sandbench-gnupg-*")));
        Assert.Empty(ImagePullTests.ProcessesMentioningGnupg());
    }
}
