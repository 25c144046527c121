using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Sandbench.Core.Timing;

namespace Sandbench.Kubernetes;

/// <summary>One object as the client received it: the event's type, the object, and when it arrived (monotonic ns).</summary>
/// <param name="Listed">It came from the initial list (or a relist), not from a watch event.</param>
internal sealed record ObservedEvent(string Resource, WatchEventType Type, JsonElement Object, long ReceivedNs, bool Listed);

/// <summary>What a watch went through, stored with the trial so a reader sees how its phases were observed.</summary>
internal sealed class WatchStats
{
    private int _bookmarks, _reconnects, _relists, _errors;

    public int Bookmarks => Volatile.Read(ref _bookmarks);
    public int Reconnects => Volatile.Read(ref _reconnects);
    public int Relists => Volatile.Read(ref _relists);
    public int Errors => Volatile.Read(ref _errors);

    public void Bookmark() => Interlocked.Increment(ref _bookmarks);
    public void Reconnect() => Interlocked.Increment(ref _reconnects);
    public void Relist() => Interlocked.Increment(ref _relists);
    public void Error() => Interlocked.Increment(ref _errors);
}

/// <summary>
/// List then watch one resource, as an informer does: list for the state and the collection's resourceVersion,
/// watch from it (bookmarks asked for, so the version stays fresh), watch again from the last version seen when
/// the server closes the stream, and list again when the server says the version is gone (410). Every object is
/// handed on stamped with the time the client received it (clusterloader2's method); the objects' own timestamps
/// are the API server's, in whole seconds.
/// </summary>
internal sealed class ObjectWatch(KnativeApi api, string resource, string labelSelector, MonotonicClock clock, TimeProvider time,
    Action<ObservedEvent> onEvent, WatchStats stats)
{
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly TaskCompletionSource _watching = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first list has been handed on (the current state is known).</summary>
    public Task Synced => _synced.Task;

    /// <summary>Completes once the first watch stream is open: changes from then on arrive as they happen.</summary>
    public Task Watching => _watching.Task;

    /// <summary>Lifetime of one watch request before the server ends it (the client then watches again).</summary>
    public int TimeoutSeconds { get; init; } = 300;

    /// <summary>
    /// Runs until <paramref name="ct"/> is cancelled; errors that persist fail <see cref="Synced"/> if it had not completed,
    /// and an end before then (cancelled, or an error it does not retry) ends it and <see cref="Watching"/> too, so that no
    /// one waits on them for ever.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await LoopAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _synced.TrySetException(e);
            _watching.TrySetException(e);
            throw;
        }
        finally
        {
            _synced.TrySetCanceled(ct);
            _watching.TrySetCanceled(ct);
        }
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        string? version = null;
        int failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (version is null)
                {
                    var page = await api.ListAsync(resource, labelSelector, ct).ConfigureAwait(false);
                    long now = clock.NowNs();
                    foreach (var item in page.Items) onEvent(new ObservedEvent(resource, WatchEventType.Added, item, now, true));
                    version = page.ResourceVersion ?? "0";
                    if (_synced.Task.IsCompleted) stats.Relist();
                    _synced.TrySetResult();
                }
                Exception? streamError = null;
                var stream = await api.WatchAsync(resource, labelSelector, version, TimeoutSeconds, e => streamError = e, () => _watching.TrySetResult(), ct)
                    .ConfigureAwait(false);
                await foreach (var (type, obj) in stream.ConfigureAwait(false))
                {
                    long received = clock.NowNs();
                    if (type == WatchEventType.Error)
                    {
                        // A Status object; 410 Gone: the version is too old to watch from, so list again.
                        stats.Error();
                        version = obj.Long("code") == 410 ? null : version;
                        break;
                    }
                    if (obj.ResourceVersion() is { } v) version = v;
                    if (type == WatchEventType.Bookmark)
                    {
                        stats.Bookmark();
                        continue;
                    }
                    onEvent(new ObservedEvent(resource, type, obj.Clone(), received, false));
                }
                ct.ThrowIfCancellationRequested();
                // The library reports an ERROR event's Status through onError; 410 Gone: the version is too old, list again.
                if (streamError is KubernetesException { Status.Code: 410 })
                {
                    stats.Error();
                    version = null;
                    continue;
                }
                if (streamError is not null && streamError is not (IOException or HttpRequestException or OperationCanceledException))
                    throw streamError;
                // The server closed the stream (its timeout, a restart): watch again from the last version seen.
                stats.Reconnect();
                failures = 0;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                stats.Error();
                version = null;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or JsonException or KubernetesException
                                          && !ct.IsCancellationRequested)
            {
                stats.Error();
                if (++failures >= 5 && !_synced.Task.IsCompleted)
                {
                    _synced.TrySetException(new InvalidOperationException($"cannot list {resource}: {Describe(e)}"));
                    _watching.TrySetException(new InvalidOperationException($"cannot watch {resource}: {Describe(e)}"));
                    return;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(100 << Math.Min(failures, 5)), time, ct).ConfigureAwait(false);
            }
        }
    }

    public static string Describe(Exception e) => e switch
    {
        HttpOperationException h => $"HTTP {(int)h.Response.StatusCode} {h.Response.ReasonPhrase}: {Trim(h.Response.Content)}",
        KubernetesException { Status: { } s } => $"HTTP {s.Code} {s.Reason}: {s.Message}",
        _ => e.Message,
    };

    private static string Trim(string? s) => s is null ? "" : s.Length > 300 ? s[..300] + "…" : s;
}
