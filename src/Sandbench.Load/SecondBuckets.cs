using HdrHistogram;

namespace Sandbench.Load;

/// <summary>
/// Counts, errors and corrected latency per second of the run (by the second in which the request was
/// due, or sent in closed loop), 2 significant digits. Each worker records into its own histogram for
/// the current second and adds it here under a lock when its second changes (<see cref="Flush"/>).
/// </summary>
internal sealed class SecondBuckets(int seconds)
{
    private readonly Bucket[] _buckets = [.. Enumerable.Range(0, Math.Max(1, seconds)).Select(_ => new Bucket())];

    private sealed class Bucket
    {
        public readonly LongHistogram Latency = NewHistogram();
        public long Errors;
        public long Late;
        public long Dropped;
    }

    private Bucket At(int second) => _buckets[Math.Clamp(second, 0, _buckets.Length - 1)];

    public static LongHistogram NewHistogram() => new(1, WorkerStats.HighestMicros, 2);

    /// <summary>Adds a worker's histogram of one second, and clears it for the worker's next second.</summary>
    public void Flush(int second, LongHistogram latency)
    {
        if (latency.TotalCount == 0) return;
        var b = At(second);
        lock (b) b.Latency.Add(latency);
        latency.Reset();
    }

    public void Error(int second) => Interlocked.Increment(ref At(second).Errors);

    public void Late(int second) => Interlocked.Increment(ref At(second).Late);

    public void Dropped(int second) => Interlocked.Increment(ref At(second).Dropped);

    public IReadOnlyList<SecondResult> Results(int seconds)
    {
        var list = new List<SecondResult>();
        for (int i = 0; i < Math.Min(seconds, _buckets.Length); i++)
        {
            var b = _buckets[i];
            lock (b)
            {
                long n = b.Latency.TotalCount;
                list.Add(new SecondResult(i, n, Volatile.Read(ref b.Errors), Volatile.Read(ref b.Late), Volatile.Read(ref b.Dropped),
                    n > 0 ? b.Latency.GetValueAtPercentile(50) / 1000.0 : null,
                    n > 0 ? b.Latency.GetValueAtPercentile(99) / 1000.0 : null));
            }
        }
        return list;
    }
}
