using System.Diagnostics;

namespace Sandbench.Load.CloudEvents;

/// <summary>
/// The clock an event's send time is stamped with and its receipt is timed by: CLOCK_MONOTONIC in
/// nanoseconds. On Linux <see cref="Stopwatch.GetTimestamp"/> is <c>clock_gettime(CLOCK_MONOTONIC)</c>
/// with a frequency of 1e9, and CLOCK_MONOTONIC is one clock for every process of one boot of one
/// machine in one time namespace: so a sender and a receiver on the same host can subtract their
/// readings. <see cref="Domain"/> names that clock (boot id and time namespace), so a receiver can
/// tell a stamp it cannot compare with its own (another host, another boot, a sandbox with its own
/// time namespace) instead of recording a meaningless difference.
/// </summary>
public static class EventClock
{
    /// <summary>Nanoseconds of CLOCK_MONOTONIC now.</summary>
    public static long NowNs() => ToNs(Stopwatch.GetTimestamp());

    /// <summary>A <see cref="Stopwatch.GetTimestamp"/> reading in nanoseconds.</summary>
    public static long ToNs(long timestamp) => Stopwatch.Frequency == 1_000_000_000
        ? timestamp
        : (long)((Int128)timestamp * 1_000_000_000 / Stopwatch.Frequency);

    /// <summary>
    /// Which clock the stamps come from: <c>linux-monotonic:BOOT_ID:TIME_NS_INODE</c>. Two readings
    /// compare only when their domains are equal.
    /// </summary>
    public static string Domain { get; } = ReadDomain();

    private static string ReadDomain()
    {
        string boot = Try(() => File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim()) ?? "unknown-boot";
        // "time:[4026531834]": a process in another time namespace may see CLOCK_MONOTONIC shifted.
        string timens = Try(() => new FileInfo("/proc/self/ns/time").LinkTarget) is { } link
            && link.IndexOf('[') is var open and >= 0 && link.IndexOf(']') is var close && close > open
            ? link[(open + 1)..close] : "unknown-timens";
        return $"linux-monotonic:{boot}:{timens}";
    }

    private static string? Try(Func<string?> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
