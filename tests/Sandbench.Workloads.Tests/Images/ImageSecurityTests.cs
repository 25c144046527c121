using System.Security.Cryptography;
using Sandbench.Core.Host;
using Sandbench.Core.Images;
using Sandbench.Core.Timing;
using Sandbench.Workloads.Images;

namespace Sandbench.Workloads.Tests.Images;

/// <summary>Security levels against a real docker-registry: layers encrypted by skopeo (ocicrypt JWE), decrypted by our client.</summary>
[Trait("Category", "Integration")]
[Collection("local registry")]
public sealed class ImageSecurityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sandbench-imagesec-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(OciImage Image, string Rootfs, byte[] Hello)> BuildAsync(int layers, long padding)
    {
        var artifact = await new WorkloadCatalog(WorkloadCatalog.DefaultCacheDir()).GetAsync("hello", Ct);
        var image = await OciImageBuilder.BuildAsync(artifact.RootfsPath, Path.Combine(_dir, "layout"), "v1", layers, padding, Ct);
        return (image, artifact.RootfsPath, await File.ReadAllBytesAsync(artifact.BinaryPath, Ct));
    }

    private async Task<string> PublicKeyFileAsync(RSA key)
    {
        string pub = Path.Combine(_dir, "pub.pem");
        await File.WriteAllTextAsync(pub, key.ExportSubjectPublicKeyInfoPem(), Ct);
        return pub;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pull_LayersEncryptedBySkopeo_DecryptedTimedAndTheRootfsUnpacked(bool concurrent)
    {
        ImagePullTests.RequireTools();
        var (image, _, hello) = await BuildAsync(layers: 2, padding: 1 << 18);
        using var key = RSA.Create(2048);
        await using var registry = await LocalRegistry.StartAsync(TimeSpan.FromSeconds(30), Ct);
        await registry.PushAsync(image, "sb/enc", Ct, ["--encryption-key", $"jwe:{await PublicKeyFileAsync(key)}"]);
        using var http = new HttpClient();

        var result = await new RegistryPuller(http, MonotonicClock.System, new OciDecryptor(key))
            .PullAsync(registry.Host, "sb/enc", "v1", Path.Combine(_dir, "pulled"), concurrent, Ct);

        // The registry holds ciphertext: other digests than the plain layers', the same tar inside.
        Assert.Equal(2, result.Layers.Count);
        Assert.DoesNotContain(result.Layers, l => image.Layers.Any(p => p.Digest == l.Digest));
        Assert.Equal(image.Layers.Select(l => l.TarBytes), result.Layers.Select(l => l.TarBytes));
        Assert.All(result.Layers, l => Assert.True(l.FetchNs > 0 && l.VerifyNs > 0 && l.DecryptNs > 0 && l.DecompressNs > 0 && l.UnpackNs > 0, $"{l}"));
        Assert.Equal(hello, await File.ReadAllBytesAsync(Path.Combine(_dir, "pulled", "rootfs", "bin", "hello"), Ct));
        Assert.Equal(1 << 17, new FileInfo(Path.Combine(_dir, "pulled", "rootfs", "padding", "layer-1")).Length);
    }

    [Fact]
    public async Task Pull_EncryptedForAnotherKey_ClearErrorAndNothingUnpacked()
    {
        ImagePullTests.RequireTools();
        var (image, _, _) = await BuildAsync(layers: 1, padding: 1 << 16);
        using var key = RSA.Create(2048);
        using var other = RSA.Create(2048);
        await using var registry = await LocalRegistry.StartAsync(TimeSpan.FromSeconds(30), Ct);
        await registry.PushAsync(image, "sb/enc", Ct, ["--encryption-key", $"jwe:{await PublicKeyFileAsync(key)}"]);
        using var http = new HttpClient();

        var e = await Assert.ThrowsAsync<ImagePullException>(() => new RegistryPuller(http, MonotonicClock.System, new OciDecryptor(other))
            .PullAsync(registry.Host, "sb/enc", "v1", Path.Combine(_dir, "pulled"), false, Ct));

        Assert.Matches("^layer sha256:[0-9a-f]{64}: cannot decrypt: the private key held does not unwrap the recipient's key", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_dir, "pulled", "rootfs")));
    }

    [Fact]
    public async Task Pull_EncryptedAndNoKeyHeld_ClearError()
    {
        ImagePullTests.RequireTools();
        var (image, _, _) = await BuildAsync(layers: 1, padding: 1 << 16);
        using var key = RSA.Create(2048);
        await using var registry = await LocalRegistry.StartAsync(TimeSpan.FromSeconds(30), Ct);
        await registry.PushAsync(image, "sb/enc", Ct, ["--encryption-key", $"jwe:{await PublicKeyFileAsync(key)}"]);
        using var http = new HttpClient();

        var e = await Assert.ThrowsAsync<ImagePullException>(() => new RegistryPuller(http, MonotonicClock.System)
            .PullAsync(registry.Host, "sb/enc", "v1", Path.Combine(_dir, "pulled"), false, Ct));

        Assert.EndsWith("encrypted (application/vnd.oci.image.layer.v1.tar+gzip+encrypted) and no decryption key is held", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, LayerCompression.Gzip)]
    [InlineData(true, LayerCompression.Gzip)]
    [InlineData(false, LayerCompression.Zstd)]
    public async Task Lab_EncryptedLevel_DecryptStepMeasuredOrWrongKeyFails_NothingLeft(bool wrongKey, LayerCompression compression)
    {
        ImagePullTests.RequireTools();
        var before = ImagePullTests.Leftovers();
        var (_, rootfs, _) = await BuildAsync(layers: 1, padding: 0);
        var lab = new ImageLab { WrongDecryptionKey = wrongKey };
        var request = new ImagePullRequest(rootfs, 2, 1 << 18, PullMode.Serial, SecurityLevel.EncryptedLayers, compression);

        if (wrongKey)
        {
            var e = await Assert.ThrowsAsync<ImagePullException>(() => lab.PullAsync(request, Path.Combine(_dir, "trial"), MonotonicClock.System, Ct));
            Assert.Contains("cannot decrypt", e.Message, StringComparison.Ordinal);
        }
        else
        {
            var m = await lab.PullAsync(request, Path.Combine(_dir, "trial"), MonotonicClock.System, Ct);
            Assert.Equal(["fetch_ns", "verify_ns", "decrypt_ns", "decompress_ns", "unpack_ns"], m.Steps.Select(s => s.Key));
            Assert.All(m.Steps, s => Assert.True(s.Value > 0, $"{s.Key} = {s.Value}"));
            Assert.Equal($"application/vnd.oci.image.layer.v1.tar+{(compression == LayerCompression.Zstd ? "zstd" : "gzip")}+encrypted", m.Details["layer_media_type"]);
        }
        Assert.Equal(before, ImagePullTests.Leftovers());
    }
}
