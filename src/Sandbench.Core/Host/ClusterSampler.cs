using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Host;

/// <summary>
/// Samples the clusters of a run's runtimes on the clock's timer (nodes' and the run's pods' CPU and memory) and hands
/// each reading to the sink at once, like <see cref="HostSampler"/> does for this machine. A reading still under way
/// when the next is due is not doubled; disposing waits for it (at most a few seconds) so none lands after the run.
/// </summary>
public sealed class ClusterSampler : IDisposable
{
    private readonly MonotonicClock _clock;
    private readonly string _runId;
    private readonly IReadOnlyList<IClusterMetrics> _clusters;
    private readonly Action<IReadOnlyList<HostMetric>> _sink;
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer? _timer;
    private Task _reading = Task.CompletedTask;
    private int _busy;

    /// <param name="clusters">The runtimes that can be sampled; one per <see cref="IClusterMetrics.MetricsScope"/> is.</param>
    public ClusterSampler(MonotonicClock clock, string runId, IEnumerable<IClusterMetrics> clusters, TimeSpan interval, Action<IReadOnlyList<HostMetric>> sink)
    {
        _clock = clock;
        _runId = runId;
        _clusters = [.. clusters.DistinctBy(c => c.MetricsScope)];
        _sink = sink;
        if (_clusters.Count > 0) _timer = clock.Time.CreateTimer(_ => Tick(), null, TimeSpan.Zero, interval);
    }

    /// <summary>Starts one reading of every cluster now, unless one is under way (also called by the timer).</summary>
    public void Tick()
    {
        if (_stop.IsCancellationRequested || Interlocked.Exchange(ref _busy, 1) == 1) return;
        _reading = Task.Run(async () =>
        {
            try
            {
                long now = _clock.NowNs();
                foreach (var cluster in _clusters)
                {
                    var metrics = await cluster.SampleMetricsAsync(_runId, now, _stop.Token).ConfigureAwait(false);
                    if (metrics.Count > 0 && !_stop.IsCancellationRequested) _sink(metrics);
                }
            }
            catch (OperationCanceledException)
            {
                // The run ended mid-reading.
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
            }
        });
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _stop.Cancel();
        _reading.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
