using Sandbench.Core.Timing;

namespace Sandbench.Kubernetes;

/// <summary>
/// The watches of one trial: the run's Services, and the revisions, routes, deployments and pods of the
/// trial's Services (by Knative's service label), each event handed to every Service's time line.
/// </summary>
internal sealed class Observation : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ObjectWatch> _watches = [];
    private readonly List<Task> _running = [];
    private readonly SemaphoreSlim _changed = new(0);
    private readonly TimeProvider _time;

    public IReadOnlyDictionary<string, ServiceTimeline> Timelines { get; }

    public WatchStats Stats { get; } = new();

    private Observation(KnativeApi api, string runId, IReadOnlyList<string> services, MonotonicClock clock, TimeProvider time)
    {
        _time = time;
        Timelines = services.ToDictionary(s => s, s => new ServiceTimeline(s), StringComparer.Ordinal);
        string children = services.Count == 1
            ? $"{Resources.ServiceLabel}={services[0]}"
            : $"{Resources.ServiceLabel} in ({string.Join(",", services)})";
        foreach (var (resource, selector) in new[]
        {
            (Resources.Services, $"{Resources.RunLabel}={runId}"), (Resources.Revisions, children), (Resources.Routes, children),
            (Resources.Deployments, children), (Resources.Pods, children),
        })
        {
            _watches.Add(new ObjectWatch(api, resource, selector, clock, time, OnEvent, Stats));
        }
    }

    public static Observation Start(KnativeApi api, string runId, IReadOnlyList<string> services, MonotonicClock clock, TimeProvider time)
    {
        var o = new Observation(api, runId, services, clock, time);
        foreach (var w in o._watches) o._running.Add(Task.Run(() => w.RunAsync(o._stop.Token)));
        return o;
    }

    private void OnEvent(ObservedEvent e)
    {
        foreach (var t in Timelines.Values) t.Observe(e);
        _changed.Release();
    }

    /// <summary>
    /// Waits until every watch has listed (the state is known) and has its stream open (so later changes are stamped when
    /// they happen, not when a late stream replays them); throws when one cannot list.
    /// </summary>
    public Task SyncedAsync(CancellationToken ct) =>
        Task.WhenAll(_watches.Select(w => w.Synced).Concat(_watches.Select(w => w.Watching))).WaitAsync(ct);

    /// <summary>Waits, event by event, until <paramref name="condition"/> holds; false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitForAsync(Func<bool> condition, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = new CancellationTokenSource(timeout, _time);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        while (!condition())
        {
            try
            {
                await _changed.WaitAsync(both.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return condition();
            }
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var t in _running)
        {
            try
            {
                await t.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
        _changed.Dispose();
    }
}
