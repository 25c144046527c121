using Sandbench.Workloads.Guest;

namespace Sandbench.Workloads.Tests.Guest;

/// <summary>vmlinux from Debian's cloud kernel, for real: the kernel cached by a previous build, else fetched with apt-get download.</summary>
[Trait("Category", "Integration")]
public sealed class KernelImageTests
{
    [Fact]
    public async Task Vmlinux_DebianCloudKernel_IsElfWithPvhNoteAndTheSizeTheHeaderSays()
    {
        var ct = TestContext.Current.CancellationToken;
        string kernel;
        try
        {
            (kernel, _, _) = await GuestImages.KernelAsync(WorkloadCatalog.DefaultCacheDir(), ct);
        }
        catch (Core.SandbenchException e)
        {
            Assert.Skip($"no guest kernel here and none can be fetched: {e.Message}");
            return;
        }
        var (format, _, length) = KernelImage.Payload(await File.ReadAllBytesAsync(kernel, ct));
        Assert.True(length > 1_000_000, $"{format} payload of {length} bytes");

        string vmlinux = await KernelImage.VmlinuxAsync(kernel, ct);

        Assert.Equal(Path.Combine(Path.GetDirectoryName(kernel)!, "vmlinux"), vmlinux);
        Assert.True(KernelImage.IsElf(vmlinux));
        Assert.True(KernelImage.HasPvhNote(vmlinux), "Debian's cloud kernel has the PVH entry Cloud Hypervisor needs");
        Assert.True(new FileInfo(vmlinux).Length > new FileInfo(kernel).Length);
        // Cached: a second call returns the same file without unpacking again.
        var written = File.GetLastWriteTimeUtc(vmlinux);
        Assert.Equal(vmlinux, await KernelImage.VmlinuxAsync(kernel, ct));
        Assert.Equal(written, File.GetLastWriteTimeUtc(vmlinux));
    }

    [Fact]
    public void Payload_NotABzImage_SaysSo()
    {
        var e = Assert.Throws<Core.SandbenchException>(() => KernelImage.Payload(new byte[4096]));

        Assert.Contains("not a bzImage", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Payload_HeaderFields_LocateTheCompressedKernel()
    {
        // A minimal bzImage: boot protocol 2.15, 1 setup sector, an xz payload 100 bytes into the kernel.
        var image = new byte[4096];
        "HdrS"u8.CopyTo(image.AsSpan(0x202));
        image[0x206] = 0x0f;
        image[0x207] = 0x02;
        image[0x1f1] = 1;
        BitConverter.GetBytes(100u).CopyTo(image, 0x248);
        BitConverter.GetBytes(200u).CopyTo(image, 0x24c);
        new byte[] { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 }.CopyTo(image, 1024 + 100);

        var (format, offset, length) = KernelImage.Payload(image);

        Assert.Equal(("xz", 1124, 200), (format, offset, length));
    }
}
