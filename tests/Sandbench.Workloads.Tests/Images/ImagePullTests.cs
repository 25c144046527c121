using Sandbench.Core.Host;
using Sandbench.Core.Images;
using Sandbench.Core.Timing;
using Sandbench.Workloads.Images;

namespace Sandbench.Workloads.Tests.Images;

/// <summary>Images built from the hello workload, pushed with skopeo to a real docker-registry on 127.0.0.1, pulled by our client.</summary>
[Trait("Category", "Integration")]
// The leftover checks see every registry and gpg home on the host: the classes that start them run one after the other.
[Collection("local registry")]
public sealed class ImagePullTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sandbench-imagepull-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Skips the test, naming the tool, when the registry, skopeo, gcc or one of <paramref name="more"/> is missing.</summary>
    internal static void RequireTools(params string[] more)
    {
        foreach (var tool in (string[])["docker-registry", "skopeo", "gcc", .. more])
            if (Executables.Find(tool) is null) Assert.Skip($"{tool} is not installed (scripts/install-deps installs it)");
    }

    private async Task<(OciImage Image, byte[] Hello)> BuildAsync(int layers, long padding, LayerCompression compression = LayerCompression.Gzip)
    {
        var catalog = new WorkloadCatalog(WorkloadCatalog.DefaultCacheDir());
        var artifact = await catalog.GetAsync("hello", TestContext.Current.CancellationToken);
        var image = await OciImageBuilder.BuildAsync(artifact.RootfsPath, Path.Combine(_dir, "layout"), "v1", layers, padding, TestContext.Current.CancellationToken, compression);
        return (image, await File.ReadAllBytesAsync(artifact.BinaryPath, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(false, LayerCompression.Gzip)]
    [InlineData(true, LayerCompression.Gzip)]
    [InlineData(false, LayerCompression.Zstd)]
    [InlineData(true, LayerCompression.Zstd)]
    public async Task Pull_ThreeLayersFromARealRegistry_EveryStepTimedAndTheRootfsUnpacked(bool concurrent, LayerCompression compression)
    {
        RequireTools();
        var (image, hello) = await BuildAsync(layers: 3, padding: 3 << 18, compression);
        Assert.All(image.Layers, l => Assert.Equal(compression == LayerCompression.Zstd ? "application/vnd.oci.image.layer.v1.tar+zstd" : "application/vnd.oci.image.layer.v1.tar+gzip", l.MediaType));
        string registryDir;
        await using (var registry = await LocalRegistry.StartAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken))
        {
            registryDir = registry.StorageDir;
            await registry.PushAsync(image, "sb/hello", TestContext.Current.CancellationToken);
            using var http = new HttpClient();

            var result = await new RegistryPuller(http, MonotonicClock.System)
                .PullAsync(registry.Host, "sb/hello", "v1", Path.Combine(_dir, "pulled"), concurrent, TestContext.Current.CancellationToken);

            Assert.Equal(concurrent, result.Concurrent);
            Assert.Equal(image.Layers.Select(l => l.Digest), result.Layers.Select(l => l.Digest));
            Assert.Equal(image.Layers.Select(l => l.Bytes), result.Layers.Select(l => l.Bytes));
            Assert.Equal(image.Layers.Select(l => l.TarBytes), result.Layers.Select(l => l.TarBytes));
            Assert.All(result.Layers, l => Assert.True(l.FetchNs > 0 && l.VerifyNs > 0 && l.DecompressNs > 0 && l.UnpackNs > 0, $"{l}"));
            Assert.True(result.TotalNs >= result.ManifestNs + (concurrent ? result.Layers.Max(l => l.FetchNs) : result.Layers.Sum(l => l.FetchNs + l.VerifyNs + l.DecompressNs + l.UnpackNs)));
            // Random padding does not compress: each layer's blob is at least its padding.
            Assert.All(result.Layers, l => Assert.True(l.Bytes >= (1 << 18), $"{l.Bytes} bytes"));
            Assert.Equal(hello, await File.ReadAllBytesAsync(Path.Combine(_dir, "pulled", "rootfs", "bin", "hello"), TestContext.Current.CancellationToken));
            for (int i = 0; i < 3; i++)
                Assert.Equal(1 << 18, new FileInfo(Path.Combine(_dir, "pulled", "rootfs", "padding", $"layer-{i}")).Length);
        }
        Assert.False(Directory.Exists(Path.GetDirectoryName(registryDir)));
        Assert.Empty(ProcessesMentioning(Path.GetDirectoryName(registryDir)!));
    }

    [Fact]
    public async Task Pull_RegistryDown_ClearError()
    {
        RequireTools();
        var registry = await LocalRegistry.StartAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        string host = registry.Host;
        await registry.DisposeAsync();
        using var http = new HttpClient();

        var e = await Assert.ThrowsAsync<ImagePullException>(() => new RegistryPuller(http, MonotonicClock.System)
            .PullAsync(host, "sb/hello", "v1", Path.Combine(_dir, "pulled"), false, TestContext.Current.CancellationToken));

        Assert.StartsWith($"registry {host}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Pull_BlobCorruptedInTheRegistry_DigestMismatchNamesTheLayer()
    {
        RequireTools();
        var (image, _) = await BuildAsync(layers: 2, padding: 1 << 16);
        await using var registry = await LocalRegistry.StartAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await registry.PushAsync(image, "sb/hello", TestContext.Current.CancellationToken);
        string victim = image.Layers[1].Digest[7..];
        string data = Directory.EnumerateFiles(registry.StorageDir, "data", SearchOption.AllDirectories)
            .Single(f => Path.GetFileName(Path.GetDirectoryName(f)) == victim);
        var bytes = await File.ReadAllBytesAsync(data, TestContext.Current.CancellationToken);
        bytes[^100] ^= 0xff;
        await File.WriteAllBytesAsync(data, bytes, TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        var e = await Assert.ThrowsAsync<DigestMismatchException>(() => new RegistryPuller(http, MonotonicClock.System)
            .PullAsync(registry.Host, "sb/hello", "v1", Path.Combine(_dir, "pulled"), false, TestContext.Current.CancellationToken));

        Assert.StartsWith($"layer sha256:{victim}: the registry sent {bytes.Length} bytes whose digest is sha256:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PullMode.Serial, LayerCompression.Gzip)]
    [InlineData(PullMode.Containerd, LayerCompression.Gzip)]
    [InlineData(PullMode.Containerd, LayerCompression.Zstd)]
    public async Task Lab_WholePull_MeasuredAndEveryDaemonAndDirectoryGone(PullMode mode, LayerCompression compression)
    {
        RequireTools();
        if (mode == PullMode.Containerd && (Environment.UserName != "root" || Executables.Find("containerd") is null))
            Assert.Skip("containerd: needs root and the containerd package");
        var before = Leftovers();
        var artifact = await new WorkloadCatalog(WorkloadCatalog.DefaultCacheDir()).GetAsync("hello", TestContext.Current.CancellationToken);

        var m = await new ImageLab().PullAsync(new ImagePullRequest(artifact.RootfsPath, 2, 1 << 18, mode, Compression: compression), _dir, MonotonicClock.System, TestContext.Current.CancellationToken);

        Assert.EndsWith(compression == LayerCompression.Zstd ? "tar+zstd" : "tar+gzip", m.Details["layer_media_type"], StringComparison.Ordinal);
        Assert.True(m.ImageBytes >= 1 << 18);
        Assert.True(m.TotalNs >= m.Steps.Where(s => s.Key is "fetch_ns").Sum(s => s.Value));
        Assert.All(m.Steps, s => Assert.True(s.Value > 0, $"{s.Key} = {s.Value}"));
        Assert.Equal(mode == PullMode.Containerd ? ["fetch_ns", "unpack_ns"] : ["fetch_ns", "verify_ns", "decompress_ns", "unpack_ns"], m.Steps.Select(s => s.Key));
        Assert.Equal(mode == PullMode.Containerd ? 0 : 2, m.Layers.Count);
        Assert.Equal(before, Leftovers());
    }

    [Fact]
    public async Task Lab_CancelledPartWay_NothingLeft()
    {
        RequireTools();
        var before = Leftovers();
        var artifact = await new WorkloadCatalog(WorkloadCatalog.DefaultCacheDir()).GetAsync("hello", TestContext.Current.CancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        // Cancelled wherever the lab is by then (building, starting the registry, pushing or pulling): all paths must clean up.
        cts.CancelAfter(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<Exception>(() => new ImageLab().PullAsync(new ImagePullRequest(artifact.RootfsPath, 4, 64 << 20, PullMode.Serial), _dir, MonotonicClock.System, cts.Token));

        Assert.Equal(before, Leftovers());
    }

    /// <summary>Registry and containerd directories in the temp dir, and the daemons running from them.</summary>
    internal static string Leftovers()
    {
        var dirs = Directory.GetDirectories(Path.GetTempPath(), "sandbench-registry-*").Concat(Directory.GetDirectories(Path.GetTempPath(), "sandbench-containerd-*")).Order().ToList();
        var procs = ProcessesMentioning(Path.Combine(Path.GetTempPath(), "sandbench-registry-")).Concat(ProcessesMentioning(Path.Combine(Path.GetTempPath(), "sandbench-containerd-")));
        return string.Join(",", dirs) + "|" + string.Join(",", procs);
    }

    /// <summary>gpg-agents of the signer's homes.</summary>
    internal static IReadOnlyList<int> ProcessesMentioningGnupg() => ProcessesMentioning(Path.Combine(Path.GetTempPath(), "sandbench-gnupg-"));

    private static IReadOnlyList<int> ProcessesMentioning(string text) =>
        [.. Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0 && pid != Environment.ProcessId)
            .Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(text, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
            })];
}
