using System.Globalization;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Kubernetes;

/// <summary>
/// Cold start on Knative (seed 003's service response latency): the trial's Service (created at the first trial,
/// kept for the run) is watched until it is observed Ready at zero replicas with no pod; then one request goes
/// through the ingress (gateway address + the Service's host as Host, as kperf sends it) and the trial is the
/// time from sending it to the first byte of the response. Phases between are the times the client received the
/// watch events (clusterloader2's method); the objects' own timestamps are stored beside them, at their 1 s resolution.
/// </summary>
internal static class KnativeColdStart
{
    /// <summary>After the first byte, how long to wait for watch events still on their way (pod-ready usually).</summary>
    internal static readonly TimeSpan Straggle = TimeSpan.FromSeconds(5);

    public static async Task<TrialOutcome> RunAsync(KnativeRuntime rt, TrialContext c, CancellationToken ct)
    {
        var spec = c.Trial.Spec;
        var phases = new PhaseClock(c.Clock);
        var parameters = Parameters.Of(rt, c);
        var samples = new List<KeyValuePair<string, double>>();
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        string step = "connecting to the cluster";
        Observation? watch = null;
        ServiceTimeline? line = null;
        try
        {
            string name = await rt.EnsureServiceAsync(c, ct).ConfigureAwait(false);
            parameters["service"] = name;
            step = "listing the Service's objects";
            watch = Observation.Start(rt.Api(), c.RunId, [name], c.Clock, c.Clock.Time);
            line = watch.Timelines[name];
            await watch.SyncedAsync(ct).ConfigureAwait(false);
            if (!rt.WasReady(name))
            {
                step = "waiting for the new Service to become Ready";
                if (!await watch.WaitForAsync(() => line.Ready == true, spec.Timeout, ct).ConfigureAwait(false))
                    throw new TimeoutException($"the Service did not become Ready within {Durations.Format(spec.Timeout)}{Why(line)}");
                rt.SawReady(name);
            }
            step = "waiting for the Service to scale to zero";
            var zero = rt.Settings.ZeroTimeout;
            if (!await watch.WaitForAsync(() => line.Ready == true && line.Replicas is null or 0 && line.Pods == 0 && line.Url is not null, zero, ct).ConfigureAwait(false))
                throw new TimeoutException($"the Service was not observed at zero replicas within zero-timeout {Durations.Format(zero)} " +
                    $"(replicas {line.Replicas?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}, pods {line.Pods}; is min-scale 0 and the stable window short?)");
            string host = IngressRequest.HostOf(line.Url) ?? throw new TrialFailedException($"the Service's URL '{line.Url}' has no host name");
            parameters["host"] = host;

            step = "the cold request";
            line.Arm(phases.Mark(Phases.Spawn));
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(spec.Timeout);
            try
            {
                await IngressRequest.SendAsync(rt.Settings.Gateway, host, phases, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no response within {Durations.Format(spec.Timeout)} (last phase: {Last(phases, line)})");
            }
            // Events that left the API server before the response may still be on their way.
            await watch.WaitForAsync(() => line.TryGet(KnativePhases.PodReady, out _) && line.TryGet(KnativePhases.DeploymentReady, out _), Straggle, ct)
                .ConfigureAwait(false);
        }
        catch (TimeoutException e) when (!ct.IsCancellationRequested)
        {
            (status, error) = (TrialStatus.Timeout, e.Message);
        }
        catch (OperationCanceledException)
        {
            (status, error) = (TrialStatus.Interrupted, "interrupted");
        }
        catch (Exception e) when (e is TrialFailedException or InvalidOperationException or IOException or System.Net.Sockets.SocketException
                                      or HttpRequestException or k8s.Autorest.HttpOperationException)
        {
            (status, error) = (TrialStatus.Failed, $"{step}: {ObjectWatch.Describe(e)}");
        }
        finally
        {
            if (watch is not null) await watch.DisposeAsync().ConfigureAwait(false);
            phases.Mark(Phases.Done);
        }

        bool armed = phases.TryGet(Phases.Spawn, out long origin);
        if (line is not null && armed)
        {
            foreach (var (phase, ns) in line.Received()) phases.MarkAt(phase, ns);
            samples.AddRange(ObjectTimes.Samples(line, KnativePhases.PodCreated, parameters));
        }
        if (watch is not null) Parameters.AddWatch(parameters, watch.Stats);
        if (status == TrialStatus.Ok && phases.TryGet(Phases.FirstByte, out long fb)) samples.Add(new(ColdStartExperiment.Metric, fb - origin));
        var relative = armed ? phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - origin)).ToList() : [];
        return new TrialOutcome(status, error, "ingress", 0, relative, samples, parameters) { OriginNs = armed ? origin : null };
    }

    private static string Why(ServiceTimeline line) => line.NotReadyReason is { } r ? $": {r}" : "";

    private static string Last(PhaseClock phases, ServiceTimeline line)
    {
        var all = phases.Snapshot().Concat(line.Received()).OrderBy(p => p.Value).ToList();
        return all.Count == 0 ? "none" : all[^1].Key;
    }
}

/// <summary>What every knative trial stores about how it ran.</summary>
internal static class Parameters
{
    public static Dictionary<string, string> Of(KnativeRuntime rt, TrialContext c)
    {
        var s = rt.Settings;
        var p = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["timeout"] = Durations.Format(c.Trial.Spec.Timeout),
            ["namespace"] = s.Namespace,
            ["runtime-class"] = s.RuntimeClass ?? "(cluster default)",
            ["image"] = s.Image,
            ["gateway"] = s.Gateway,
            ["phase-clock"] = "client receipt of watch events",
        };
        foreach (var (k, v) in s.Annotations()) p[k] = v;
        if (s.ContainerConcurrency is { } cc) p["container-concurrency"] = cc.ToString(CultureInfo.InvariantCulture);
        return p;
    }

    public static void AddWatch(Dictionary<string, string> p, WatchStats stats)
    {
        p["watch-reconnects"] = stats.Reconnects.ToString(CultureInfo.InvariantCulture);
        p["watch-relists"] = stats.Relists.ToString(CultureInfo.InvariantCulture);
        p["watch-bookmarks"] = stats.Bookmarks.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>The objects' own timestamps (API server clock, whole seconds), as offsets from one of them.</summary>
internal static class ObjectTimes
{
    public const string Prefix = "object.";

    /// <summary>
    /// Samples <c>object.PHASE_ns</c>: each stamped phase minus the <paramref name="reference"/> phase's stamp (falling back
    /// to the earliest stamp), both from the API server's clock, so no clock is mixed; each is only good to ±1 s.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, double>> Samples(ServiceTimeline line, string reference, Dictionary<string, string> parameters)
    {
        var stamped = line.Stamped();
        if (stamped.Count == 0) yield break;
        var from = stamped.FirstOrDefault(p => p.Key == reference);
        if (from.Key is null) from = stamped[0];
        parameters["object-timestamps"] = $"API server clock, 1s resolution, offsets from {from.Key}";
        foreach (var (phase, at) in stamped)
            yield return new($"{Prefix}{phase}_ns", (at - from.Value).Ticks * 100.0);
    }
}
