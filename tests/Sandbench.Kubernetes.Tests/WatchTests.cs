using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using Sandbench.Core.Timing;

namespace Sandbench.Kubernetes.Tests;

/// <summary>The list-then-watch loop against the fake API server, driven through the real KubernetesClient.</summary>
public sealed class WatchTests
{
    private static JsonObject Pod(string name, string service = "svc") => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { [Resources.ServiceLabel] = service } },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "x" }) },
    };

    private sealed class Recorder
    {
        public ConcurrentQueue<ObservedEvent> Events { get; } = new();
        public SemaphoreSlim Arrived { get; } = new(0);

        public void On(ObservedEvent e)
        {
            Events.Enqueue(e);
            Arrived.Release();
        }

        /// <summary>Waits, event by event, until <paramref name="done"/> holds.</summary>
        public async Task UntilAsync(Func<IReadOnlyList<ObservedEvent>, bool> done)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (!done([.. Events])) await Arrived.WaitAsync(limit.Token);
        }
    }

    private static async Task<(ObjectWatch Watch, Recorder Seen, WatchStats Stats, Task Running, CancellationTokenSource Stop)> StartAsync(FakeCluster cluster)
    {
        ClusterConnection.TryConnect(cluster.Kubeconfig, null, out var client, out _, out string? problem);
        Assert.Null(problem);
        var seen = new Recorder();
        var stats = new WatchStats();
        var watch = new ObjectWatch(new KnativeApi(client!, "default"), Resources.Pods, $"{Resources.ServiceLabel}=svc", MonotonicClock.System,
            TimeProvider.System, seen.On, stats);
        var stop = new CancellationTokenSource();
        var running = Task.Run(() => watch.RunAsync(stop.Token));
        await watch.Synced;
        await watch.Watching;
        return (watch, seen, stats, running, stop);
    }

    [Fact]
    public async Task Run_ServerClosesTheStream_WatchesAgainFromTheLastVersionAndMissesNothing()
    {
        await using var cluster = await FakeCluster.StartAsync();
        cluster.Api.Put("pods", Pod("listed"));
        cluster.Api.Put("pods", Pod("other-service", "other"));
        var (_, seen, stats, running, stop) = await StartAsync(cluster);
        cluster.Api.Put("pods", Pod("a"));
        await seen.UntilAsync(e => e.Any(x => x.Object.Name() == "a"));

        int before = cluster.Api.WatchRequests;
        cluster.Api.CloseWatches();
        // Changes while no stream is open are replayed from the version the client last saw.
        cluster.Api.Put("pods", Pod("b"));
        cluster.Api.Update("pods", "a", p => p["status"] = new JsonObject { ["phase"] = "Running" });
        cluster.Api.Delete("pods", "listed");
        await seen.UntilAsync(e => e.Any(x => x.Type == WatchEventType.Deleted));
        // The new stream's bookmark follows its replay (if the client came back after those changes) and precedes any
        // live event: once a change made now has arrived, the bookmark has been read too.
        cluster.Api.Put("pods", Pod("c"));
        await seen.UntilAsync(e => e.Any(x => x.Object.Name() == "c"));

        await stop.CancelAsync();
        await running;
        var events = seen.Events.ToList();
        Assert.Equal(["listed", "a", "b", "a", "listed", "c"], events.Select(e => e.Object.Name()));
        Assert.Equal([WatchEventType.Added, WatchEventType.Added, WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted,
            WatchEventType.Added], events.Select(e => e.Type));
        Assert.True(events[0].Listed);
        Assert.All(events.Skip(1), e => Assert.False(e.Listed));
        Assert.True(stats.Reconnects >= 1);
        Assert.True(cluster.Api.WatchRequests > before);
        Assert.True(stats.Bookmarks >= 2, $"bookmarks: {stats.Bookmarks}");
        Assert.Equal(0, stats.Relists);
    }

    [Fact]
    public async Task Run_VersionExpired_ListsAgainAndGoesOn()
    {
        await using var cluster = await FakeCluster.StartAsync();
        cluster.Api.Put("pods", Pod("first"));
        var (_, seen, stats, running, stop) = await StartAsync(cluster);
        // The server compacts its history and ends the stream: the client's version is gone (410), so it must list again.
        cluster.Api.Put("pods", Pod("while-gone"));
        cluster.Api.ExpireHistory();
        cluster.Api.CloseWatches();
        try
        {
            await seen.UntilAsync(e => e.Any(x => x.Listed && x.Object.Name() == "while-gone"));
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"errors {stats.Errors} reconnects {stats.Reconnects} relists {stats.Relists} watches {cluster.Api.WatchRequests} running {running.Status} {running.Exception} events {string.Join(",", seen.Events.Select(e => $"{e.Type}:{e.Object.Name()}:{e.Listed}"))}");
        }
        cluster.Api.Put("pods", Pod("after"));
        await seen.UntilAsync(e => e.Any(x => x.Object.Name() == "after"));

        await stop.CancelAsync();
        await running;
        Assert.Equal(1, stats.Relists);
        Assert.True(stats.Errors >= 1);
        Assert.Contains(seen.Events, e => e.Listed && e.Object.Name() == "while-gone");
        Assert.False(seen.Events.Last().Listed);
    }

    [Fact]
    public async Task Run_CancelledBeforeItListed_SyncedAndWatchingEndCancelled()
    {
        await using var cluster = await FakeCluster.StartAsync();
        ClusterConnection.TryConnect(cluster.Kubeconfig, null, out var client, out _, out _);
        var watch = new ObjectWatch(new KnativeApi(client!, "default"), Resources.Pods, $"{Resources.ServiceLabel}=svc", MonotonicClock.System,
            TimeProvider.System, _ => { }, new WatchStats());

        await watch.RunAsync(new CancellationToken(canceled: true));

        // Nothing waits for ever on a list or a stream that will not come.
        Assert.True(watch.Synced.IsCanceled);
        Assert.True(watch.Watching.IsCanceled);
    }

    [Fact]
    public async Task DeleteService_Missing_Is404AndReportsNotThere()
    {
        await using var cluster = await FakeCluster.StartAsync();
        ClusterConnection.TryConnect(cluster.Kubeconfig, null, out var client, out _, out _);
        var api = new KnativeApi(client!, "default");
        Assert.False(await api.DeleteServiceAsync("sb-missing", TestContext.Current.CancellationToken));
        var manifest = ServiceManifest.Build("sb-here", cluster.RunId, "hello", new KnativeSettings());
        Assert.True(await api.CreateServiceAsync(manifest, TestContext.Current.CancellationToken));
        Assert.False(await api.CreateServiceAsync(ServiceManifest.Build("sb-here", cluster.RunId, "hello", new KnativeSettings()), TestContext.Current.CancellationToken));
        Assert.True(await api.DeleteServiceAsync("sb-here", TestContext.Current.CancellationToken));
        Assert.False(await api.DeleteServiceAsync("sb-here", TestContext.Current.CancellationToken));
    }
}
