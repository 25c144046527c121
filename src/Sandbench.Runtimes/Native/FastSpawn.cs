using System.Runtime.InteropServices;

namespace Sandbench.Runtimes.Native;

/// <summary>
/// Starts children through libsandbench-spawn.so (Native/spawn.c, built with the project next to the assemblies):
/// clone with CLONE_VM | CLONE_VFORK on a stack in the caller's frame, resetting only the signals that are not at
/// their default. Against glibc's posix_spawn from this process it takes 64 signal resets and a stack's mmap and
/// munmap out of a cold start's window (bench/coldstart.sh process: ratio to the C probe 1.03–1.11 against 1.24–1.29,
/// interleaved). For a cold start it can also keep the child on its fork CPU through exec balancing (spawn.c). Where the
/// library is missing, or <c>SANDBENCH_SPAWN=posix</c> is set, <see cref="ChildProcess"/> uses posix_spawn.
/// </summary>
internal static unsafe class FastSpawn
{
    public const string LibraryName = "libsandbench-spawn.so";

    private static readonly delegate* unmanaged<byte*, byte**, byte**, int*, int*, int, int*, int, void*, int, int*, int> SpawnFn;
    private static readonly delegate* unmanaged<int*, int, int> SignalsFn;

    static FastSpawn()
    {
        if (Environment.GetEnvironmentVariable("SANDBENCH_SPAWN") == "posix" || !OperatingSystem.IsLinux()) return;
        string path = Path.Combine(AppContext.BaseDirectory, LibraryName);
        if (!NativeLibrary.TryLoad(path, out nint lib)) return;
        if (!NativeLibrary.TryGetExport(lib, "sb_spawn", out nint spawn) || !NativeLibrary.TryGetExport(lib, "sb_nondefault_signals", out nint signals)) return;
        SpawnFn = (delegate* unmanaged<byte*, byte**, byte**, int*, int*, int, int*, int, void*, int, int*, int>)spawn;
        SignalsFn = (delegate* unmanaged<int*, int, int>)signals;
    }

    public static bool Available => SpawnFn != null;

    /// <summary>The signals this process does not leave at their default (read before the clock: their handlers can change).</summary>
    public static int[] NonDefaultSignals()
    {
        var buf = new int[128];
        fixed (int* p = buf)
            return buf[..SignalsFn(p, buf.Length)];
    }

    /// <summary>Starts the program; its pid, or -errno when it could not be started.</summary>
    /// <param name="restore">
    /// The caller's CPU affinity, to keep the child on its fork CPU through exec balancing and then give it this
    /// affinity (see spawn.c); null to leave the child to the scheduler.
    /// </param>
    /// <param name="cpu">The CPU the child was kept on, or -1.</param>
    public static int Spawn(byte* path, byte** argv, byte** envp, int[] from, int[] to, int[] reset, byte[]? restore, out int cpu)
    {
        int c = -1, pid;
        fixed (int* f = from, t = to, r = reset)
        fixed (byte* m = restore)
            pid = SpawnFn(path, argv, envp, f, t, from.Length, r, reset.Length, m, restore?.Length ?? 0, &c);
        cpu = c;
        return pid;
    }
}
