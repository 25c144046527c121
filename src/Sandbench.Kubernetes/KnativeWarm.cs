using System.Globalization;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Load;

namespace Sandbench.Kubernetes;

/// <summary>
/// Warm latency on Knative: the run's Service for the profile and workload, observed Ready, answered once through
/// the ingress (so a pod serves), then loaded through the ingress with Sandbench's generator at the trial's rate
/// (open loop, coordinated omission corrected) or concurrency, every request carrying the Service's host as Host.
/// The generator runs in this process: the client machine and its path to the ingress are part of the figure; with the
/// profile's <c>load-image</c>, it runs in the cluster instead (<see cref="LoadJob"/>).
/// </summary>
internal static class KnativeWarm
{
    public static async Task<TrialOutcome> RunAsync(KnativeRuntime rt, TrialContext c, CancellationToken ct)
    {
        var spec = c.Trial.Spec;
        var load = spec.Load ?? throw new InvalidOperationException("a warm trial without a load section");
        var phases = new PhaseClock(c.Clock);
        var parameters = Parameters.Of(rt, c);
        parameters["mode"] = c.Trial.Rate is null ? "closed" : "open";
        parameters["connections"] = load.Connections.ToString(CultureInfo.InvariantCulture);
        parameters["duration"] = Durations.Format(load.Duration);
        if (c.Trial.Rate is { } rate) parameters["rate"] = rate.ToString("R", CultureInfo.InvariantCulture);
        var samples = new List<KeyValuePair<string, double>>();
        var histograms = new List<EncodedHistogram>();
        IReadOnlyList<LoadSecond> seconds = [];
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        phases.Mark(Phases.Spawn);
        try
        {
            string name = await rt.EnsureServiceAsync(c, ct).ConfigureAwait(false);
            parameters["service"] = name;
            string host;
            await using (var watch = Observation.Start(rt.Api(), c.RunId, [name], c.Clock, c.Clock.Time))
            {
                await watch.SyncedAsync(ct).ConfigureAwait(false);
                var line = watch.Timelines[name];
                if (!await watch.WaitForAsync(() => line.Ready == true && line.Url is not null, load.StartTimeout, ct).ConfigureAwait(false))
                    throw new TimeoutException($"the Service was not Ready within start-timeout {Durations.Format(load.StartTimeout)}{(line.NotReadyReason is { } r ? ": " + r : "")}");
                rt.SawReady(name);
                host = IngressRequest.HostOf(line.Url) ?? throw new TrialFailedException($"the Service's URL '{line.Url}' has no host name");
            }
            parameters["host"] = host;
            await IngressRequest.FirstAnswerAsync(rt.Settings.Gateway, host, load.StartTimeout, c.Clock, ct).ConfigureAwait(false);
            phases.Mark(WarmExperiment.Answered);
            LoadResult result;
            if (rt.Settings.LoadImage is { } image)
            {
                // From inside the cluster: a Job runs the warm-up and the load against the cluster-local address.
                var target = new Uri($"http://{name}.{rt.Settings.Namespace}.svc.cluster.local/");
                parameters["client"] = "in-cluster";
                parameters["load_image"] = image;
                string job = $"{name}-load-{(c.Trial.Warmup ? "w" : "")}{c.Trial.Iteration.ToString(CultureInfo.InvariantCulture)}";
                parameters["job"] = job;
                // Not load-start and load-end: between these lie the pod's scheduling, its image pull and the warm-up.
                phases.Mark(LoadJob.CreatedPhase);
                result = await LoadJob.RunAsync(rt.Api(), new LoadJob.Request(job, c.RunId, image, target, c.Trial.Rate, load.Connections, load.Duration,
                    load.WarmupDuration, spec.Timeout), c.Clock, ct).ConfigureAwait(false);
                phases.Mark(LoadJob.ReadPhase);
            }
            else
            {
                parameters["client"] = "this host";
                KnativeSettings.TryGateway(rt.Settings.Gateway, out string gw, out int port);
                var url = new Uri($"http://{(gw.Contains(':', StringComparison.Ordinal) ? $"[{gw}]" : gw)}:{port}/");
                result = await ClientLoad.RunAsync(url, host, c, phases, samples, ct).ConfigureAwait(false);
            }
            if (!ClientLoad.Record(result, samples, histograms, out seconds, ct))
                (status, error) = (TrialStatus.Failed, "no request was answered through the ingress during the load");
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
                                      or HttpRequestException or LoadException or k8s.Autorest.HttpOperationException)
        {
            (status, error) = (TrialStatus.Failed, ObjectWatch.Describe(e));
        }
        phases.TryGet(Phases.Spawn, out long origin);
        return ClientLoad.Outcome(status, error, phases, origin, samples, parameters, histograms, seconds);
    }
}
