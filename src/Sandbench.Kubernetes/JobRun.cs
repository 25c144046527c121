using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Timing;

namespace Sandbench.Kubernetes;

/// <summary>
/// One run of a batch/v1 Job that prints its result (the in-cluster load, an eventing round): create it, wait for its pod to
/// end as the list-then-watch of <see cref="ObjectWatch"/> sees it, read the log of the container that printed the result
/// (pods/log), and delete the Job and its pod however the wait ended.
/// </summary>
internal static class JobRun
{
    public const string JobNameLabel = "job-name";

    /// <summary>The log of <paramref name="container"/> once the Job's pod succeeded.</summary>
    /// <param name="what">What the Job is, for the messages ("load Job").</param>
    /// <param name="deadline">The Job's own deadline; the wait gives it a minute more.</param>
    /// <exception cref="TrialFailedException">The Job could not be created (one of that name exists) or its pod failed.</exception>
    /// <exception cref="TimeoutException">The pod did not end within the deadline.</exception>
    public static async Task<string> RunAsync(KnativeApi api, V1Job job, string container, string what, TimeSpan deadline, MonotonicClock clock,
        CancellationToken ct)
    {
        string name = job.Metadata.Name;
        bool exists = false;
        try
        {
            // Inside the try: an interruption while the request is under way may leave the Job created, so it is deleted then too.
            if (!await api.CreateJobAsync(job, ct).ConfigureAwait(false))
            {
                exists = true;
                throw new TrialFailedException($"a Job named {name} exists already in namespace {api.Namespace} (409); 'sandbench clean --kubernetes' removes leftovers");
            }
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(deadline + TimeSpan.FromMinutes(1));
            JsonElement pod;
            try
            {
                pod = await EndedPodAsync(api, what, name, clock, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"the {what} {name}'s pod did not end within {Durations.Format(deadline)}");
            }
            string log = await LogAsync(api, pod.Name(), container, ct).ConfigureAwait(false);
            if (pod.Str("status", "phase") != "Succeeded")
                throw new TrialFailedException($"the {what} {name}'s pod {pod.Name()} failed: {Tail(log)}");
            return log;
        }
        finally
        {
            if (!exists) await Deletions.BestEffortAsync(clock.Time, t => api.DeleteJobAsync(name, t)).ConfigureAwait(false);
        }
    }

    /// <summary>A Job of one pod: no retries, <paramref name="deadline"/> as its active deadline, the labels on the Job and its pod.</summary>
    public static V1Job Manifest(string name, Dictionary<string, string> labels, TimeSpan deadline, V1PodSpec pod) => new()
    {
        ApiVersion = "batch/v1",
        Kind = "Job",
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Spec = new V1JobSpec
        {
            BackoffLimit = 0,
            ActiveDeadlineSeconds = (long)Math.Ceiling(deadline.TotalSeconds),
            Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) }, Spec = pod },
        },
    };

    /// <summary>The result a Job printed last (<see cref="LastDocument"/>), read by <paramref name="parse"/>; null when the log holds none.</summary>
    /// <exception cref="TrialFailedException">The document is there but cannot be read.</exception>
    public static T? Read<T>(string log, Func<string, T> parse, string what) where T : class
    {
        if (LastDocument(log) is not { } json) return null;
        try
        {
            return parse(json);
        }
        catch (JsonException e)
        {
            throw new TrialFailedException($"the {what}'s result cannot be read: {e.Message}");
        }
    }

    /// <summary>
    /// The JSON document at the end of a log: Sandbench prints its progress lines on standard error while it runs and the
    /// indented JSON last, so the document starts at the last line that is a lone '{'. Null when there is none.
    /// </summary>
    public static string? LastDocument(string log)
    {
        var lines = log.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        int start = Array.FindLastIndex(lines, l => l == "{");
        return start < 0 ? null : string.Join('\n', lines[start..]);
    }

    /// <summary>The last three lines of a log, for a message.</summary>
    public static string Tail(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(empty log)" : string.Join(" | ", lines[^Math.Min(3, lines.Length)..]);
    }

    /// <summary>The Job's pod once it has succeeded or failed.</summary>
    /// <exception cref="InvalidOperationException">The pods could not be listed.</exception>
    private static async Task<JsonElement> EndedPodAsync(KnativeApi api, string what, string job, MonotonicClock clock, CancellationToken ct)
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
            throw new InvalidOperationException($"the watch of the {what} {job}'s pod ended");
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await running.ConfigureAwait(false);
        }
    }

    private static async Task<string> LogAsync(KnativeApi api, string pod, string container, CancellationToken ct)
    {
        await using var stream = await api.Client.CoreV1.ReadNamespacedPodLogAsync(pod, api.Namespace, container: container, cancellationToken: ct).ConfigureAwait(false);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct).ConfigureAwait(false);
    }
}
