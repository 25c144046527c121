namespace Sandbench.Load;

/// <summary>
/// The open-loop schedule: request i is due at <c>Start + i / rate</c>, for every i due before the
/// end of the duration. Times are timestamps of one monotonic clock with <paramref name="frequency"/> ticks per second.
/// </summary>
public sealed class Schedule(long start, double rate, TimeSpan duration, long frequency)
{
    private readonly double _ticksPerRequest = frequency / rate;

    public long Start { get; } = start;

    public double Rate { get; } = rate;

    /// <summary>How many requests are due within the duration: i/rate &lt; duration.</summary>
    public long Total { get; } = (long)Math.Ceiling(Math.Round(duration.TotalSeconds * rate, 6));

    public long Due(long i) => Start + (long)(i * _ticksPerRequest);

    /// <summary>How many requests are due at or before <paramref name="now"/> (never more than <see cref="Total"/>).</summary>
    public long DueBy(long now)
    {
        if (now < Start) return 0;
        long n = (long)((now - Start) / _ticksPerRequest) + 1;
        while (n > 0 && Due(n - 1) > now) n--; // floating-point rounding must never release a request early
        while (n < Total && Due(n) <= now) n++;
        return Math.Min(n, Total);
    }
}
