using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Sandbench.Runtimes.Native;

/// <summary>How to start a child process.</summary>
/// <param name="Path">Absolute path of the executable.</param>
/// <param name="Argv">Full argument vector, argv[0] included.</param>
/// <param name="Environment">The child's whole environment.</param>
/// <param name="ListenSocket">Passed as fd 3 (socket activation) when set.</param>
/// <param name="OutputPath">stdout and stderr are appended to this file; /dev/null when null.</param>
/// <param name="StayOnForkCpu">Keep the child on the CPU it is forked on until its execve has passed exec balancing (see spawn.c).</param>
internal sealed record SpawnOptions(
    string Path,
    IReadOnlyList<string> Argv,
    IReadOnlyDictionary<string, string> Environment,
    Socket? ListenSocket = null,
    string? OutputPath = null,
    bool StayOnForkCpu = false);

/// <summary>
/// A child started with posix_spawn (or <see cref="FastSpawn"/>) in its own process group (so a terminal's Ctrl+C reaches only
/// Sandbench, which then tears sandboxes down in order), with signals reset and only fds 0-2
/// (and fd 3 for socket activation) inherited. Waiting uses a pidfd, so no thread blocks.
/// </summary>
internal sealed class ChildProcess
{
    private int? _status;

    private ChildProcess(int pid) => Pid = pid;

    public int Pid { get; }

    /// <summary>The CPU the child was kept on through its execve (<see cref="SpawnOptions.StayOnForkCpu"/>), else -1.</summary>
    public int Cpu { get; private init; } = -1;

    /// <summary>The wait status once reaped.</summary>
    public int? Status => _status;

    /// <param name="o">What to start.</param>
    /// <param name="beforeSpawn">Called right before posix_spawn, after all preparation (where the clock of a cold start starts).</param>
    public static unsafe ChildProcess Start(SpawnOptions o, Action? beforeSpawn = null)
    {
        var handles = new List<nint>();
        byte* Str(string s)
        {
            int n = Encoding.UTF8.GetByteCount(s);
            var p = (byte*)NativeMemory.Alloc((nuint)n + 1);
            handles.Add((nint)p);
            Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
            p[n] = 0;
            return p;
        }
        byte** Vector(IEnumerable<string> items)
        {
            var list = items.ToList();
            var v = (byte**)NativeMemory.Alloc((nuint)(list.Count + 1), (nuint)sizeof(nint));
            handles.Add((nint)v);
            for (int i = 0; i < list.Count; i++) v[i] = Str(list[i]);
            v[list.Count] = null;
            return v;
        }

        void* fa = NativeMemory.AllocZeroed(Libc.FileActionsSize);
        void* attr = NativeMemory.AllocZeroed(Libc.SpawnAttrSize);
        void* sigs = NativeMemory.AllocZeroed(Libc.SigSetSize);
        // The files are opened here, before the clock starts, so the child only dup2s them (as the probe's
        // child does): an open in the child would be file-system work inside the measured window.
        // dup2 onto the same number would keep close-on-exec set; high copies avoid that case.
        int nullFd = -1, outFd = -1, highFd = -1;
        try
        {
            _ = Libc.FileActionsInit(fa);
            _ = Libc.AttrInit(attr);
            nullFd = High(Libc.Open(Str("/dev/null"), Libc.ORdWr | Libc.OCloExec, 0), "/dev/null");
            outFd = o.OutputPath is null ? nullFd
                : High(Libc.Open(Str(o.OutputPath), Libc.OWrOnly | Libc.OCreat | Libc.OAppend | Libc.OCloExec, 0x1a4 /* 0644 */), o.OutputPath);
            // What the child's descriptors become, in order: stdin, stdout, stderr (a copy of stdout), and fd 3.
            var dups = new List<(int From, int To, string What)> { (nullFd, 0, "stdin"), (outFd, 1, "stdout"), (1, 2, "stderr") };
            if (o.ListenSocket is { } sock)
            {
                highFd = High(Libc.Fcntl((int)sock.Handle, Libc.FDupFdCloExec, 64), "the listening socket");
                dups.Add((highFd, 3, "fd 3"));
            }

            byte* path = Str(o.Path);
            byte** argv = Vector(o.Argv);
            byte** envp = Vector(o.Environment.Select(kv => $"{kv.Key}={kv.Value}"));
            if (FastSpawn.Available)
            {
                // The same start as the posix_spawn below (process group, descriptors, signals), without its per-spawn
                // stack and 64 signal resets inside the window (see FastSpawn).
                int[] reset = FastSpawn.NonDefaultSignals();
                int[] from = [.. dups.Select(d => d.From)], to = [.. dups.Select(d => d.To)];
                byte[]? affinity = o.StayOnForkCpu ? Core.Host.ThreadAffinity.Get(0) : null;
                beforeSpawn?.Invoke();
                int r = FastSpawn.Spawn(path, argv, envp, from, to, reset, affinity, out int cpu);
                if (r < 0) throw new IOException($"cannot start {o.Path}: {new System.ComponentModel.Win32Exception(-r).Message}");
                return new ChildProcess(r) { Cpu = cpu };
            }
            foreach (var (from, to, what) in dups) Check(Libc.FileActionsAddDup2(fa, from, to), what);
            _ = Libc.AttrSetFlags(attr, Libc.PosixSpawnSetPgroup | Libc.PosixSpawnSetSigDef | Libc.PosixSpawnSetSigMask);
            _ = Libc.AttrSetPgroup(attr, 0);
            _ = Libc.SigEmptySet(sigs);
            _ = Libc.AttrSetSigMask(attr, sigs);
            _ = Libc.SigFillSet(sigs);
            _ = Libc.AttrSetSigDefault(attr, sigs);
            beforeSpawn?.Invoke();
            int rc = Libc.PosixSpawn(out int pid, path, fa, attr, argv, envp);
            if (rc != 0)
                throw new IOException($"cannot start {o.Path}: {new System.ComponentModel.Win32Exception(rc).Message}");
            return new ChildProcess(pid);
        }
        finally
        {
            if (highFd >= 0) _ = Libc.Close(highFd);
            if (outFd >= 0 && outFd != nullFd) _ = Libc.Close(outFd);
            if (nullFd >= 0) _ = Libc.Close(nullFd);
            _ = Libc.FileActionsDestroy(fa);
            _ = Libc.AttrDestroy(attr);
            NativeMemory.Free(fa);
            NativeMemory.Free(attr);
            NativeMemory.Free(sigs);
            foreach (var h in handles) NativeMemory.Free((void*)h);
        }

        // A close-on-exec copy of fd at 64 or above (the original is closed).
        static int High(int fd, string what)
        {
            if (fd < 0) throw new IOException($"cannot open {what}: {new System.ComponentModel.Win32Exception(Marshal.GetLastPInvokeError()).Message}");
            int high = fd >= 64 ? fd : Libc.Fcntl(fd, Libc.FDupFdCloExec, 64);
            int errno = Marshal.GetLastPInvokeError();
            if (high != fd) _ = Libc.Close(fd);
            if (high < 0) throw new IOException($"fcntl(F_DUPFD_CLOEXEC) on {what} failed: errno {errno}");
            return high;
        }

        static void Check(int rc, string what)
        {
            if (rc != 0) throw new IOException($"posix_spawn file action for {what} failed: {rc}");
        }
    }

    /// <summary>Reaps the child if it has exited, without blocking.</summary>
    public bool TryReap(out int status)
    {
        if (_status is { } s)
        {
            status = s;
            return true;
        }
        int r = Libc.WaitPid(Pid, out status, Libc.WNoHang);
        if (r == Pid)
        {
            _status = status;
            return true;
        }
        if (r < 0 && Marshal.GetLastPInvokeError() == Libc.EChild)
        {
            // Someone else reaped it (a SIGCHLD handler set to reap all): it is gone either way.
            _status = status = 0;
            return true;
        }
        return false;
    }

    /// <summary>Waits for the child to exit; false on timeout. Cancellation is checked every 50 ms.</summary>
    public bool WaitForExit(TimeSpan timeout, CancellationToken ct)
    {
        if (TryReap(out _)) return true;
        int pidfd = Libc.PidFdOpen(Pid);
        if (pidfd < 0) return TryReap(out _);
        try
        {
            long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                long left = deadline - Environment.TickCount64;
                if (left <= 0) return TryReap(out _);
                if (PidFd.WaitReadable(pidfd, (int)Math.Min(left, 50)) && TryReap(out _)) return true;
            }
        }
        finally
        {
            _ = Libc.Close(pidfd);
        }
    }

    /// <summary>SIGKILLs the child's whole process group, then reaps it.</summary>
    public void KillAndReap(TimeSpan timeout)
    {
        if (_status is null)
        {
            Libc.Kill(-Pid, Libc.SigKill);
            Libc.Kill(Pid, Libc.SigKill);
        }
        WaitForExit(timeout, CancellationToken.None);
    }
}

/// <summary>Waits on pidfds (readable once the process has exited).</summary>
internal static unsafe class PidFd
{
    public static bool WaitReadable(int fd, int timeoutMs)
    {
        var p = new Libc.PollFd { Fd = fd, Events = Libc.PollIn };
        int r = Libc.Poll(&p, 1, timeoutMs);
        return r > 0;
    }

    /// <summary>pidfds of the processes that exist now (each refers to that very process, whatever happens to its pid later).</summary>
    public static List<(int Pid, int Fd)> Open(IEnumerable<int> pids)
    {
        var fds = new List<(int, int)>();
        foreach (int pid in pids.Distinct())
            if (Libc.PidFdOpen(pid) is var fd and >= 0) fds.Add((pid, fd));
        return fds;
    }

    /// <summary>
    /// Waits until every process of <paramref name="fds"/> has exited, at most <paramref name="timeout"/> in all; those still
    /// alive then get SIGKILL and a second wait as long. Closes the fds; returns the pids that outlived both.
    /// </summary>
    public static List<int> WaitGone(List<(int Pid, int Fd)> fds, TimeSpan timeout)
    {
        try
        {
            var left = Wait(fds, timeout);
            if (left.Count == 0) return [];
            foreach (var (pid, _) in left) Libc.Kill(pid, Libc.SigKill);
            return [.. Wait(left, timeout).Select(p => p.Pid)];
        }
        finally
        {
            foreach (var (_, fd) in fds) Libc.Close(fd);
        }
    }

    private static List<(int Pid, int Fd)> Wait(List<(int Pid, int Fd)> fds, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var left = new List<(int, int)>();
        foreach (var p in fds)
            if (!WaitReadable(p.Fd, (int)Math.Max(0, deadline - Environment.TickCount64))) left.Add(p);
        return left;
    }

    /// <summary>True while a process (not necessarily our child) is alive.</summary>
    public static bool IsAlive(int pid)
    {
        if (Libc.Kill(pid, 0) == 0) return !IsZombie(pid);
        return Marshal.GetLastPInvokeError() != Libc.ESrch;
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
