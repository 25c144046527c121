using HdrHistogram;

namespace Sandbench.Load;

/// <summary>Kinds of failed requests; each is counted separately.</summary>
public enum ErrorKind
{
    /// <summary>The TCP connection could not be opened.</summary>
    Connect,
    /// <summary>No complete response within the timeout.</summary>
    Timeout,
    /// <summary>The server reset or closed the connection before the response was complete.</summary>
    Closed,
    /// <summary>The bytes received are not a valid HTTP/1.x response.</summary>
    Malformed,
    /// <summary>Another socket error.</summary>
    Socket,
}

/// <summary>
/// What one connection measured. Only its own worker writes to it while the run lasts (counters are
/// read racily by the progress line, which is fine for 64-bit values); histograms are merged at the end.
/// All latencies are recorded in microseconds with 3 significant digits.
/// </summary>
internal sealed class WorkerStats
{
    /// <summary>Highest recordable latency: one hour, in microseconds; larger values are clamped.</summary>
    public const long HighestMicros = 3_600_000_000;

    public LongHistogram Corrected { get; } = NewHistogram();
    public LongHistogram Uncorrected { get; } = NewHistogram();
    public LongHistogram Ttfb { get; } = NewHistogram();
    public LongHistogram Lag { get; } = NewHistogram();

    /// <summary>In-function durations the responses reported, and each one's response time (from the send) minus it.</summary>
    public LongHistogram Function { get; } = NewHistogram();
    public LongHistogram Overhead { get; } = NewHistogram();

    /// <summary>Responses whose reported in-function duration exceeded the response time measured here (not in <see cref="Overhead"/>).</summary>
    public long FunctionExceedsResponse;

    public long Completed;
    public long Sent;
    public long Late;
    public long Dropped;
    public long ErrorCount;
    public long BytesRead;
    public readonly long[] Errors = new long[Enum.GetValues<ErrorKind>().Length];
    public readonly long[] Status = new long[600];

    public static LongHistogram NewHistogram() => new(1, HighestMicros, 3);

    public static void Record(LongHistogram h, long micros) => h.RecordValue(Math.Clamp(micros, 1, HighestMicros));

    /// <summary>
    /// One response's reported in-function duration, and the overhead: its response time (from the send) minus that
    /// duration, both in ns, recorded in microseconds. The two clocks are not the same, so an overhead below zero
    /// is counted, not recorded.
    /// </summary>
    public void RecordFunction(long responseNs, long functionNs)
    {
        Record(Function, (functionNs + 500) / 1000);
        long overhead = responseNs - functionNs;
        if (overhead < 0) FunctionExceedsResponse++;
        else Record(Overhead, (overhead + 500) / 1000);
    }

    public void Error(ErrorKind kind)
    {
        Errors[(int)kind]++;
        Interlocked.Increment(ref ErrorCount);
    }
}
