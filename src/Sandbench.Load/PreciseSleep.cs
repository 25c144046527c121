using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Sandbench.Load;

/// <summary>
/// Sleeps the calling thread until a <see cref="Stopwatch"/> timestamp with the kernel's timer slack set
/// to 1 ns for this thread. Linux lets a sleeping thread's timer fire up to the slack (50 µs by default)
/// late, and a wait on a .NET handle overshoots by far more on a busy host; the dispatcher sleeps with
/// this to shortly before a request is due and spins the rest. Stopwatch on Linux reads CLOCK_MONOTONIC
/// in nanoseconds; on any other clock this falls back to a handle wait.
/// </summary>
internal static partial class PreciseSleep
{
    private const int ClockMonotonic = 1;
    private const int TimerAbstime = 1;
    private const int PrSetTimerslack = 29;
    private static readonly bool Native = OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000;

    /// <summary>Makes this thread's timers fire on time (per thread, so call it on the thread that sleeps).</summary>
    public static void TightenTimerSlack()
    {
        if (Native) _ = Prctl(PrSetTimerslack, 1, 0, 0, 0);
    }

    /// <summary>Sleeps until <paramref name="timestamp"/>, returning early when <paramref name="ct"/> is cancelled (checked every 50 ms at most).</summary>
    public static void Until(long timestamp, CancellationToken ct)
    {
        long chunk = Stopwatch.Frequency / 20;
        while (!ct.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= timestamp) return;
            long target = Math.Min(timestamp, now + chunk);
            if (Native)
            {
                var t = new Timespec { Seconds = target / 1_000_000_000, Nanoseconds = target % 1_000_000_000 };
                _ = ClockNanosleep(ClockMonotonic, TimerAbstime, in t, IntPtr.Zero); // EINTR: the loop sleeps again
            }
            else
            {
                ct.WaitHandle.WaitOne(TimeSpan.FromSeconds((double)(target - now) / Stopwatch.Frequency));
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, in Timespec request, IntPtr remain);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
