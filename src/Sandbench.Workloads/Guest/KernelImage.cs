using System.Buffers.Binary;
using System.Text;
using Sandbench.Core;

namespace Sandbench.Workloads.Guest;

/// <summary>
/// The uncompressed ELF kernel (<c>vmlinux</c>) inside a bzImage, for VMMs that load ELF only:
/// Firecracker on x86_64, and Cloud Hypervisor (which enters it through its PVH note). The compressed
/// payload is found by the x86 boot protocol header (<c>payload_offset</c>, <c>payload_length</c>),
/// its format by its magic, and it is unpacked with the matching command-line tool.
/// </summary>
internal static class KernelImage
{
    /// <summary>Payload formats: magic, the tool and arguments that unpack <c>payload.EXT</c> into <c>payload</c>.</summary>
    private static readonly (string Name, byte[] Magic, string Ext, string Tool, string[] Args)[] Formats =
    [
        ("gzip", [0x1f, 0x8b], "gz", "gzip", ["-d", "-f", "-q"]),
        ("xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], "xz", "xz", ["-d", "-f", "-q"]),
        ("zstd", [0x28, 0xb5, 0x2f, 0xfd], "zst", "zstd", ["-d", "-f", "-q"]),
        ("lz4", [0x02, 0x21, 0x4c, 0x18], "lz4", "lz4", ["-d", "-f", "-q"]),
        ("bzip2", [0x42, 0x5a, 0x68], "bz2", "bzip2", ["-d", "-f", "-q"]),
        ("lzma", [0x5d, 0x00, 0x00], "lzma", "xz", ["--format=lzma", "-d", "-f", "-q"]),
    ];

    /// <summary>Where the compressed kernel lies in a bzImage, and its format.</summary>
    public static (string Format, int Offset, int Length) Payload(ReadOnlySpan<byte> bzImage)
    {
        if (bzImage.Length < 0x250 || !bzImage.Slice(0x202, 4).SequenceEqual("HdrS"u8))
            throw new SandbenchException("the guest kernel is not a bzImage (no 'HdrS' boot header)");
        int protocol = BinaryPrimitives.ReadUInt16LittleEndian(bzImage[0x206..]);
        if (protocol < 0x208) throw new SandbenchException($"the guest kernel's boot protocol {protocol >> 8}.{protocol & 0xff:x2} has no payload fields (needs 2.08)");
        int setupSects = bzImage[0x1f1] == 0 ? 4 : bzImage[0x1f1];
        int offset = checked(((setupSects + 1) * 512) + (int)BinaryPrimitives.ReadUInt32LittleEndian(bzImage[0x248..]));
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bzImage[0x24c..]);
        if (offset + length > bzImage.Length) throw new SandbenchException("the guest kernel's payload runs past the end of the file");
        var payload = bzImage.Slice(offset, length);
        foreach (var f in Formats)
            if (payload.StartsWith(f.Magic)) return (f.Name, offset, length);
        throw new SandbenchException($"unknown compression of the guest kernel (payload starts {Convert.ToHexString(payload[..Math.Min(6, payload.Length)])})");
    }

    /// <summary>The vmlinux of <paramref name="bzImagePath"/>, unpacked once and cached beside it as <c>vmlinux</c>.</summary>
    public static async Task<string> VmlinuxAsync(string bzImagePath, CancellationToken ct)
    {
        string dest = Path.Combine(Path.GetDirectoryName(bzImagePath)!, "vmlinux");
        if (File.Exists(dest)) return dest;
        byte[] image = await File.ReadAllBytesAsync(bzImagePath, ct).ConfigureAwait(false);
        var (format, offset, length) = Payload(image);
        var f = Formats.Single(x => x.Name == format);
        // Every format but gzip carries the uncompressed size as 4 trailing bytes the tools do not expect.
        long expected = -1;
        if (format != "gzip")
        {
            expected = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(offset + length - 4));
            length -= 4;
        }
        string tmp = Directory.CreateTempSubdirectory("sandbench-vmlinux-").FullName;
        try
        {
            string packed = Path.Combine(tmp, "payload." + f.Ext);
            string unpacked = Path.Combine(tmp, "payload");
            await File.WriteAllBytesAsync(packed, image.AsMemory(offset, length), ct).ConfigureAwait(false);
            string tool = Core.Host.Executables.Find(f.Tool)
                ?? throw new SandbenchException($"{f.Tool} not found: the guest kernel is {format}-compressed (apt-get install {(f.Tool == "xz" ? "xz-utils" : f.Tool)})");
            string[] args = f.Tool == "lz4" ? [.. f.Args, packed, unpacked] : [.. f.Args, packed];
            await BuildTools.RunAsync(tool, args, ct).ConfigureAwait(false);
            var info = new FileInfo(unpacked);
            if (!info.Exists || !IsElf(unpacked)) throw new SandbenchException($"unpacking the guest kernel ({format}) gave no ELF file");
            if (expected >= 0 && info.Length != expected)
                throw new SandbenchException($"unpacking the guest kernel ({format}) gave {info.Length} bytes, its header says {expected}");
            File.Move(unpacked, dest, overwrite: true);
            return dest;
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    public static bool IsElf(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var s = File.OpenRead(path);
        return s.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual((ReadOnlySpan<byte>)[0x7f, 0x45, 0x4c, 0x46]);
    }

    /// <summary>
    /// True when a 64-bit ELF kernel has the Xen PVH entry note (<c>XEN_ELFNOTE_PHYS32_ENTRY</c>, type 18),
    /// the entry point Cloud Hypervisor boots a vmlinux through.
    /// </summary>
    public static bool HasPvhNote(string elfPath)
    {
        using var s = File.OpenRead(elfPath);
        var header = new byte[64];
        if (s.ReadAtLeast(header, 64, throwOnEndOfStream: false) < 64 || header[4] != 2) return false;
        long phoff = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(0x20));
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x36));
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x38));
        var ph = new byte[phentsize];
        for (int i = 0; i < phnum; i++)
        {
            s.Position = phoff + ((long)i * phentsize);
            s.ReadExactly(ph);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != 4 /* PT_NOTE */) continue;
            long offset = BinaryPrimitives.ReadInt64LittleEndian(ph.AsSpan(8));
            long size = BinaryPrimitives.ReadInt64LittleEndian(ph.AsSpan(32));
            var notes = new byte[size];
            s.Position = offset;
            s.ReadExactly(notes);
            for (int at = 0; at + 12 <= notes.Length;)
            {
                int nameSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes.AsSpan(at));
                int descSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes.AsSpan(at + 4));
                uint type = BinaryPrimitives.ReadUInt32LittleEndian(notes.AsSpan(at + 8));
                string name = Encoding.ASCII.GetString(notes, at + 12, Math.Max(0, Math.Min(nameSize, notes.Length - at - 12))).TrimEnd('\0');
                if (name == "Xen" && type == 18) return true;
                at += 12 + Align4(nameSize) + Align4(descSize);
            }
        }
        return false;

        static int Align4(int n) => (n + 3) & ~3;
    }
}
