using System.Runtime.InteropServices;

namespace Sandbench.Runtimes.Native;

/// <summary>
/// The client of <c>sandbench-spawn</c> (Native/spawner.c, built beside this assembly): a small
/// single-threaded process that starts our children with <c>clone(CLONE_PARENT | CLONE_VFORK)</c>, so
/// they are still our children (reaped and signalled as before), without the kernel walking this
/// process's large address space and descriptor table between fork and exec. It reads the monotonic
/// clock right before its clone and returns that instant, which is where a cold start begins.
/// One helper per process, started on first use; requests are serialized. When the helper is missing
/// or <c>SANDBENCH_SPAWNER=0</c> is set, children are spawned in-process (see <see cref="ChildProcess"/>).
/// </summary>
internal static unsafe partial class Spawner
{
    public const string FileName = "sandbench-spawn";

    /// <summary>The largest request the helper reads (its buffer, less the terminating NUL).</summary>
    public const int MaxMessage = (1 << 20) - 1;

    private static readonly Lock Gate = new();
    private static int _fd = -1;
    private static bool _unavailable;

    /// <summary>Why spawning stays in-process, or null when the helper is used.</summary>
    public static string? DisabledReason { get; private set; }

    /// <summary>
    /// Starts the child a request (see spawner.c) describes through the helper. Returns false (and nothing started) when the
    /// helper cannot be used; then the caller spawns in-process.
    /// </summary>
    /// <param name="t0">CLOCK_MONOTONIC nanoseconds read by the helper right before its clone.</param>
    public static bool TrySpawn(byte* message, int length, ReadOnlySpan<int> fds, out int pid, out int error, out long t0)
    {
        pid = -1;
        error = 0;
        t0 = 0;
        lock (Gate)
        {
            if (!EnsureStarted()) return false;
            var reply = stackalloc long[3];
            if (!Exchange(message, length, fds, reply))
            {
                // The helper died (killed from outside): start a new one for the next spawn, this one goes in-process.
                _ = Libc.Close(_fd);
                _fd = -1;
                return false;
            }
            pid = (int)reply[0];
            error = (int)reply[1];
            t0 = reply[2];
            return true;
        }
    }

    private static bool EnsureStarted()
    {
        if (_fd >= 0) return true;
        if (_unavailable) return false;
        string helper = Path.Combine(AppContext.BaseDirectory, FileName);
        if (Environment.GetEnvironmentVariable("SANDBENCH_SPAWNER") == "0") return Disable("SANDBENCH_SPAWNER=0");
        if (!File.Exists(helper)) return Disable($"{helper} is missing");
        var pair = stackalloc int[2];
        if (SocketPair(AfUnix, SockSeqPacket | SockCloExec, 0, pair) != 0)
            return Disable($"socketpair failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            // The helper's end as its fd 3, like a listening socket handed to a workload.
            ChildProcess.StartInProcess(new SpawnOptions(helper, [helper], new Dictionary<string, string>(), Fd3: pair[1]));
            _fd = pair[0];
            return true;
        }
        catch (IOException e)
        {
            _ = Libc.Close(pair[0]);
            return Disable(e.Message);
        }
        finally
        {
            _ = Libc.Close(pair[1]);
        }
    }

    private static bool Disable(string reason)
    {
        _unavailable = true;
        DisabledReason = reason;
        return false;
    }

    private static bool Exchange(byte* message, int length, ReadOnlySpan<int> fds, long* reply)
    {
        int controlLength = CmsgSpace(fds.Length * sizeof(int));
        var control = stackalloc byte[controlLength];
        new Span<byte>(control, controlLength).Clear();
        var cmsg = (CmsgHdr*)control;
        cmsg->Len = (nuint)(sizeof(CmsgHdr) + (fds.Length * sizeof(int)));
        cmsg->Level = SolSocket;
        cmsg->Type = ScmRights;
        fds.CopyTo(new Span<int>(control + sizeof(CmsgHdr), fds.Length));
        var iov = new IoVec { Base = message, Len = (nuint)length };
        var hdr = new MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = (nuint)controlLength };
        if (SendMsg(_fd, &hdr, MsgNoSignal) != length) return false;
        while (true)
        {
            nint n = Recv(_fd, reply, 3 * sizeof(long), 0);
            if (n == 3 * sizeof(long)) return true;
            if (n < 0 && Marshal.GetLastPInvokeError() == Libc.EIntr) continue;
            return false;
        }
    }

    private static int CmsgSpace(int dataLength) => sizeof(CmsgHdr) + ((dataLength + 7) & ~7);

    private const int AfUnix = 1;
    private const int SockSeqPacket = 5;
    private const int SockCloExec = 0x80000;
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int MsgNoSignal = 0x4000;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHdr
    {
        public nuint Len;
        public int Level;
        public int Type;
    }

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static partial int SocketPair(int domain, int type, int protocol, int* sv);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, void* buf, nuint len, int flags);
}
