using System.Globalization;
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
        return JobRun.Manifest(r.Name, labels, Deadline(r), pod);
    }

    /// <summary>The load, its warm-up and timeout, and five minutes to schedule the pod and pull the image.</summary>
    public static TimeSpan Deadline(Request r) => r.Warmup + r.Duration + r.Timeout + TimeSpan.FromMinutes(5);

    /// <summary>Creates the Job, waits for its pod to end, and reads what the generator printed.</summary>
    /// <exception cref="TrialFailedException">The Job could not be created, its pod failed, or its log holds no result.</exception>
    /// <exception cref="TimeoutException">The pod did not end within the Job's deadline.</exception>
    public static async Task<LoadResult> RunAsync(KnativeApi api, Request r, MonotonicClock clock, CancellationToken ct)
    {
        string log = await JobRun.RunAsync(api, Manifest(r), Container, "load Job", Deadline(r), clock, ct).ConfigureAwait(false);
        return Parse(log) ?? throw new TrialFailedException($"the load Job {r.Name}'s log holds no result of 'sandbench load --json': {JobRun.Tail(log)}");
    }

    /// <summary>The result at the end of a pod's log (see <see cref="JobRun.LastDocument"/>).</summary>
    /// <exception cref="TrialFailedException">The document is there but cannot be read.</exception>
    public static LoadResult? Parse(string log) => JobRun.Read(log, LoadResult.FromJson, "load Job");

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);
}
