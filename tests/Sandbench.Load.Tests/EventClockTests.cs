using System.Diagnostics;
using System.Runtime.InteropServices;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Load.Tests;

/// <summary>The send-time clock is CLOCK_MONOTONIC in nanoseconds, which every process on the host shares.</summary>
public sealed partial class EventClockTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private const int ClockMonotonic = 1; // <time.h>

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGettime(int clock, out Timespec time);

    [Fact]
    public void NowNs_IsClockMonotonicInNanoseconds()
    {
        for (int i = 0; i < 1000; i++)
        {
            long before = EventClock.NowNs();
            Assert.Equal(0, ClockGettime(ClockMonotonic, out var ts));
            long after = EventClock.NowNs();

            long monotonic = ts.Seconds * 1_000_000_000 + ts.Nanoseconds;
            Assert.InRange(monotonic, before, after);
        }
        Assert.Equal(1_000_000_000, Stopwatch.Frequency);
    }

    [Fact]
    public void Domain_NamesThisBootAndTimeNamespace()
    {
        string boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        string timens = new FileInfo("/proc/self/ns/time").LinkTarget!; // time:[4026531834]

        Assert.Equal($"linux-monotonic:{boot}:{timens[6..^1]}", EventClock.Domain);
    }
}
