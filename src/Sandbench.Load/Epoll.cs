using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Sandbench.Load;

/// <summary>
/// One Linux epoll instance (epoll(7)), level-triggered: what a closed-loop worker waits on for its own
/// connections, as wrk's threads do. Each registration carries a number of the caller's choosing (the
/// connection's index) back with its events.
/// </summary>
internal sealed partial class Epoll : IDisposable
{
    public const uint In = 0x001, Out = 0x004;
    private const int CtlAdd = 1, CtlMod = 3;
    private const int CloseOnExec = 0x80000;
    private const int Eintr = 4;

    // struct epoll_event is packed on x86-64 (12 bytes: events, then data at offset 4); 16 bytes elsewhere.
    private static readonly int Stride = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = Stride == 12 ? 4 : 8;

    private readonly int _fd;
    private readonly byte[] _events;
    private bool _disposed;

    public Epoll(int capacity)
    {
        _fd = EpollCreate1(CloseOnExec);
        if (_fd < 0) throw new Win32Exception(Marshal.GetLastPInvokeError(), "epoll_create1");
        _events = new byte[Math.Max(capacity, 1) * Stride];
    }

    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>Starts watching <paramref name="fd"/> for <paramref name="events"/>.</summary>
    public void Add(int fd, uint events, int tag) => Control(CtlAdd, fd, events, tag);

    /// <summary>Watches <paramref name="fd"/> for other events.</summary>
    public void Modify(int fd, uint events, int tag) => Control(CtlMod, fd, events, tag);

    /// <summary>Waits up to <paramref name="timeoutMs"/> for events; returns how many there are (0 on timeout or a signal).</summary>
    public int Wait(int timeoutMs)
    {
        int n = EpollWait(_fd, ref MemoryMarshal.GetArrayDataReference(_events), _events.Length / Stride, timeoutMs);
        if (n >= 0) return n;
        int errno = Marshal.GetLastPInvokeError();
        return errno == Eintr ? 0 : throw new Win32Exception(errno, "epoll_wait");
    }

    /// <summary>The tag of the registration that event <paramref name="i"/> of the last <see cref="Wait"/> is for.</summary>
    public int TagOf(int i) => (int)MemoryMarshal.Read<ulong>(_events.AsSpan(i * Stride + DataOffset, 8));

    private void Control(int op, int fd, uint events, int tag)
    {
        Span<byte> e = stackalloc byte[16];
        e.Clear();
        MemoryMarshal.Write(e, in events);
        ulong data = (ulong)tag;
        MemoryMarshal.Write(e[DataOffset..], in data);
        if (EpollCtl(_fd, op, fd, ref MemoryMarshal.GetReference(e)) < 0)
            throw new Win32Exception(Marshal.GetLastPInvokeError(), op == CtlAdd ? "epoll_ctl(ADD)" : "epoll_ctl(MOD)");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _ = Close(_fd);
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epfd, int op, int fd, ref byte ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epfd, ref byte events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
