using System.Globalization;
using System.Runtime.InteropServices;

namespace Sandbench.Core.Host;

/// <summary>
/// CPU affinity of single threads (sched_getaffinity / sched_setaffinity on a thread id): a cold start's request side
/// waits for the first byte on the CPU the function runs on (see ColdStartExperiment).
/// </summary>
public static partial class ThreadAffinity
{
    private const int MaskBytes = 1024; // a kernel cpu_set_t for up to 8192 CPUs

    /// <summary>The calling thread's id in the kernel (not the managed thread id).</summary>
    public static int CurrentThreadId() => NativeMethods.gettid();

    /// <summary>The affinity mask of thread <paramref name="tid"/> (0: the calling thread), or null if it cannot be read.</summary>
    public static byte[]? Get(int tid)
    {
        var mask = new byte[MaskBytes];
        return NativeMethods.sched_getaffinity(tid, mask.Length, mask) < 0 ? null : mask;
    }

    /// <summary>Restricts thread <paramref name="tid"/> to <paramref name="cpu"/>; false if the kernel refused.</summary>
    public static bool PinTo(int tid, int cpu) => cpu >= 0 && cpu < MaskBytes * 8 && Set(tid, OnlyCpu(cpu));

    /// <summary>Sets thread <paramref name="tid"/>'s affinity mask; false if the kernel refused.</summary>
    public static bool Set(int tid, byte[] mask) => NativeMethods.sched_setaffinity(tid, mask.Length, mask) == 0;

    /// <summary>
    /// The threads of <paramref name="pids"/> that are restricted to <paramref name="cpu"/> alone although
    /// <paramref name="expected"/> says otherwise (threads that ended meanwhile are skipped).
    /// </summary>
    public static List<int> ThreadsKeptOn(IEnumerable<int> pids, int cpu, byte[] expected)
    {
        byte[] single = OnlyCpu(cpu);
        if (single.AsSpan().SequenceEqual(expected)) return [];
        var odd = new List<int>();
        foreach (int pid in pids)
        {
            string[] tasks;
            try
            {
                tasks = Directory.GetDirectories($"/proc/{pid}/task");
            }
            catch (IOException)
            {
                continue;
            }
            foreach (string task in tasks)
            {
                if (!int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out int tid)) continue;
                if (Get(tid) is { } mask && mask.AsSpan().SequenceEqual(single)) odd.Add(tid);
            }
        }
        return odd;
    }

    /// <summary>The mask of <paramref name="cpu"/> alone.</summary>
    private static byte[] OnlyCpu(int cpu)
    {
        var mask = new byte[MaskBytes];
        mask[cpu / 8] = (byte)(1 << (cpu % 8));
        return mask;
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", SetLastError = true)]
        internal static partial int sched_setaffinity(int pid, nint size, byte[] mask);

        [LibraryImport("libc", SetLastError = true)]
        internal static partial int sched_getaffinity(int pid, nint size, byte[] mask);

        [LibraryImport("libc")]
        internal static partial int gettid();
    }
}
