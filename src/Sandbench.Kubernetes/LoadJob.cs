using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Timing;
using Sandbench.Load;

namespace Sandbench.Kubernetes;

/// <summary>
/// The warm load from inside the cluster, so that this machine and its path to the ingress are not the bottleneck: a
/// batch/v1 Job (labelled with the run id) whose pod runs <c>sandbench load --json</c> from the profile's
/// <c>load-image</c> against the Service's cluster-local address (through the cluster's ingress, as any in-cluster
/// client reaches a Knative Service), the warm-up first in an init container of the same pod. The pod's log ends
/// with the generator's JSON, histograms included, which is read back through the API (pods/log) and stored as a
/// local load would be. The Job is deleted when the trial ends, however it ends.
/// </summary>
internal static class LoadJob
{
    public const string Container = "load";
    public const string JobNameLabel = "job-name";

    /// <summary>Phases of an in-cluster warm trial: the Job created; its pod ended and its log read.</summary>
    public const string CreatedPhase = "load-job-created", ReadPhase = "load-job-read";

    /// <summary>What one in-cluster load runs.</summary>
    public sealed record Request(string Name, string RunId, string Image, Uri Target, double? Rate, int Connections, TimeSpan Duration,
        TimeSpan Warmup, TimeSpan Timeout);

    /// <summary>The Job's manifest: no retries, a deadline past the load's own, the run label on the Job and its pod.</summary>
    public static V1Job Manifest(Request r)
    {
        var labels = new Dictionary<string, string> { [Resources.RunLabel] = r.RunId };
        List<string> Args(TimeSpan duration, bool json)
        {
            var args = new List<string> { "load", r.Target.ToString() };
            if (r.Rate is { } rate) args.AddRange(["--rate", rate.ToString("R", CultureInfo.InvariantCulture), "--connections", I(r.Connections)]);
            else args.AddRange(["--closed", "--concurrency", I(r.Connections)]);
            args.AddRange(["--duration", Durations.Format(duration), "--timeout", Durations.Format(r.Timeout)]);
            if (json) args.Add("--json");
            return args;
        }
        var pod = new V1PodSpec
        {
            RestartPolicy = "Never",
            Containers = [new V1Container { Name = Container, Image = r.Image, Command = ["sandbench"], Args = Args(r.Duration, json: true) }],
        };
        if (r.Warmup > TimeSpan.Zero)
            pod.InitContainers = [new V1Container { Name = "warmup", Image = r.Image, Command = ["sandbench"], Args = Args(r.Warmup, json: false) }];
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta { Name = r.Name, Labels = labels },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                ActiveDeadlineSeconds = (long)Math.Ceiling(Deadline(r).TotalSeconds),
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = pod },
            },
        };
    }

    /// <summary>The load, its warm-up and timeout, and five minutes to schedule the pod and pull the image.</summary>
    public static TimeSpan Deadline(Request r) => r.Warmup + r.Duration + r.Timeout + TimeSpan.FromMinutes(5);

    /// <summary>Creates the Job, waits for its pod to end, and reads what the generator printed.</summary>
    /// <exception cref="TrialFailedException">The Job could not be created, its pod failed, or its log holds no result.</exception>
    /// <exception cref="TimeoutException">The pod did not end within the Job's deadline.</exception>
    public static async Task<LoadResult> RunAsync(KnativeApi api, Request r, MonotonicClock clock, CancellationToken ct)
    {
        bool exists = false;
        try
        {
            // Inside the try: an interruption while the request is under way may leave the Job created, so it is deleted then too.
            if (!await api.CreateJobAsync(Manifest(r), ct).ConfigureAwait(false))
            {
                exists = true;
                throw new TrialFailedException($"a Job named {r.Name} exists already in namespace {api.Namespace} (409); 'sandbench clean --kubernetes' removes leftovers");
            }
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(Deadline(r) + TimeSpan.FromMinutes(1));
            JsonElement pod;
            try
            {
                pod = await EndedPodAsync(api, r.Name, clock, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"the load Job {r.Name}'s pod did not end within {Durations.Format(Deadline(r))}");
            }
            string log = await LogAsync(api, pod.Name(), ct).ConfigureAwait(false);
            if (pod.Str("status", "phase") != "Succeeded")
                throw new TrialFailedException($"the load Job {r.Name}'s pod {pod.Name()} failed: {Tail(log)}");
            return Parse(log) ?? throw new TrialFailedException($"the load Job {r.Name}'s log holds no result of 'sandbench load --json': {Tail(log)}");
        }
        finally
        {
            if (!exists) await DeleteAsync(api, r.Name, clock.Time).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The result at the end of a pod's log: the generator prints its progress lines on standard error while it runs and
    /// the indented JSON last, so the document starts at the last line that is a lone '{'.
    /// </summary>
    /// <exception cref="TrialFailedException">The document is there but cannot be read.</exception>
    public static LoadResult? Parse(string log)
    {
        var lines = log.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        int start = Array.FindLastIndex(lines, l => l == "{");
        if (start < 0) return null;
        try
        {
            return LoadResult.FromJson(string.Join('\n', lines[start..]));
        }
        catch (JsonException e)
        {
            throw new TrialFailedException($"the load Job's result cannot be read: {e.Message}");
        }
    }

    /// <summary>The Job's pod once it has succeeded or failed, as the list-then-watch of <see cref="ObjectWatch"/> sees it.</summary>
    /// <exception cref="InvalidOperationException">The pods could not be listed.</exception>
    private static async Task<JsonElement> EndedPodAsync(KnativeApi api, string job, MonotonicClock clock, CancellationToken ct)
    {
        var ended = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = new ObjectWatch(api, Resources.Pods, $"{JobNameLabel}={job}", clock, clock.Time, e =>
        {
            if (e.Type != WatchEventType.Deleted && e.Object.Str("status", "phase") is "Succeeded" or "Failed") ended.TrySetResult(e.Object);
        }, new WatchStats());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = watch.RunAsync(stop.Token);
        try
        {
            await Task.WhenAny(ended.Task, running).ConfigureAwait(false);
            if (ended.Task.IsCompleted) return await ended.Task.ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            await watch.Synced.ConfigureAwait(false); // failed: the pods could not be listed
            throw new InvalidOperationException($"the watch of the load Job {job}'s pod ended");
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await running.ConfigureAwait(false);
        }
    }

    private static async Task<string> LogAsync(KnativeApi api, string pod, CancellationToken ct)
    {
        await using var stream = await api.Client.CoreV1.ReadNamespacedPodLogAsync(pod, api.Namespace, container: Container, cancellationToken: ct).ConfigureAwait(false);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Deletes the Job and its pod (background propagation), within 30 s, even when the trial was interrupted.</summary>
    private static async Task DeleteAsync(KnativeApi api, string name, TimeProvider time)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);
        try
        {
            await api.DeleteJobAsync(name, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or OperationCanceledException)
        {
            // Labelled with the run id: 'sandbench clean --kubernetes' finds it.
        }
    }

    private static string Tail(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(empty log)" : string.Join(" | ", lines[^Math.Min(3, lines.Length)..]);
    }

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);
}
