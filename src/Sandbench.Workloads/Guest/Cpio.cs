using System.Globalization;
using System.Text;

namespace Sandbench.Workloads.Guest;

/// <summary>
/// Writes a cpio archive in the "newc" format the kernel unpacks as initramfs. Written here rather
/// than by the cpio tool so device nodes (/dev/console) need no root and the output is reproducible
/// (fixed mtimes and inode numbers, entries in the order given).
/// </summary>
internal sealed class CpioWriter(Stream output)
{
    private int _ino = 1;

    public void Directory(string path) => Entry(path, 0x41ed /* dir 0755 */, [], 0, 0);

    public void File(string path, byte[] data, bool executable) => Entry(path, executable ? 0x81ed : 0x81a4, data, 0, 0);

    public void CharDevice(string path, int major, int minor) => Entry(path, 0x2180 /* chr 0600 */, [], major, minor);

    public void Trailer() => Entry("TRAILER!!!", 0, [], 0, 0);

    private void Entry(string path, int mode, byte[] data, int rdevMajor, int rdevMinor)
    {
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        var header = new StringBuilder("070701");
        foreach (long field in new long[] { _ino++, mode, 0, 0, 1, 0, data.Length, 0, 0, rdevMajor, rdevMinor, name.Length, 0 })
            header.Append(field.ToString("x8", CultureInfo.InvariantCulture));
        Write(Encoding.ASCII.GetBytes(header.ToString()));
        Write(name);
        Pad();
        Write(data);
        Pad();
    }

    private long _written;

    private void Write(byte[] b)
    {
        output.Write(b);
        _written += b.Length;
    }

    private void Pad()
    {
        while (_written % 4 != 0) Write([0]);
    }
}
