using System.Runtime.InteropServices;

namespace Sandbench.Runtimes.VmmApi;

/// <summary>
/// A named pipe a VMM writes its stdout and stderr to (where Firecracker and Cloud Hypervisor put the
/// guest's serial console), read line by line as it arrives. We hold a write end ourselves so the
/// reader sees no end of file before the VMM opens it; closing it after the VMM is gone ends the reader.
/// </summary>
internal sealed partial class ConsoleFifo : IDisposable
{
    private const int ORdOnly = 0, OWrOnly = 1, ONonBlock = 0x800, OCloExec = 0x80000, FGetFl = 3, FSetFl = 4, EIntr = 4;
    private int _reader;
    private int _writer;

    private ConsoleFifo(string path, int reader, int writer)
    {
        Path = path;
        _reader = reader;
        _writer = writer;
    }

    public string Path { get; }

    public static ConsoleFifo Create(string path)
    {
        if (MkFifo(path, 0x180 /* 0600 */) != 0) throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
        int reader = Open(path, ORdOnly | ONonBlock | OCloExec);
        if (reader < 0) throw new IOException($"cannot open {path}: errno {Marshal.GetLastPInvokeError()}");
        int writer = Open(path, OWrOnly | ONonBlock | OCloExec);
        if (writer < 0 || Fcntl(reader, FSetFl, Fcntl(reader, FGetFl, 0) & ~ONonBlock) < 0)
        {
            _ = Close(reader);
            if (writer >= 0) _ = Close(writer);
            File.Delete(path);
            throw new IOException($"cannot set up {path}: errno {Marshal.GetLastPInvokeError()}");
        }
        return new ConsoleFifo(path, reader, writer);
    }

    /// <summary>Blocks until bytes arrive; 0 once every writer is gone.</summary>
    public unsafe int Read(byte[] buffer)
    {
        while (true)
        {
            int fd = Volatile.Read(ref _reader);
            if (fd < 0) return 0;
            fixed (byte* p = buffer)
            {
                nint n = ReadFd(fd, p, (nuint)buffer.Length);
                if (n >= 0) return (int)n;
            }
            if (Marshal.GetLastPInvokeError() != EIntr) throw new IOException($"reading {Path} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Closes our write end: once the VMM's are closed too, <see cref="Read"/> returns 0.</summary>
    public void CloseWriter()
    {
        int w = Interlocked.Exchange(ref _writer, -1);
        if (w >= 0) _ = Close(w);
    }

    public void Dispose()
    {
        CloseWriter();
        int r = Interlocked.Exchange(ref _reader, -1);
        if (r >= 0) _ = Close(r);
        File.Delete(Path);
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkFifo(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint ReadFd(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
