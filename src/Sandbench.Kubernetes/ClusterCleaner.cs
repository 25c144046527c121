using k8s;

namespace Sandbench.Kubernetes;

/// <summary>
/// <c>sandbench clean --kubernetes</c>: deletes the Knative Services and the in-cluster load Jobs that runs left on the
/// cluster (found by the run label), skipping runs still alive on this host (they delete their own when they end).
/// </summary>
public static class ClusterCleaner
{
    /// <summary>One line per Service deleted or not deleted, or why the cluster could not be reached.</summary>
    public static async Task<IReadOnlyList<string>> CleanAsync(string? kubeconfig, string? context, string ns, string? runId,
        Func<string, bool> isActive, CancellationToken ct)
    {
        if (!ClusterConnection.TryConnect(kubeconfig, context, out var client, out string source, out string? problem))
            return [$"could not reach a cluster: {problem}"];
        var api = new KnativeApi(client!, ns);
        IReadOnlyList<(string Name, string Run)> found;
        try
        {
            found = await api.LabelledServicesAsync(runId, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
        {
            return [$"could not list Knative Services in namespace {ns} of {source}: {ObjectWatch.Describe(e)}"];
        }
        var lines = new List<string>();
        foreach (var (name, run) in found)
        {
            if (runId is null && isActive(run)) continue;
            try
            {
                bool deleted = await api.DeleteServiceAsync(name, ct).ConfigureAwait(false);
                lines.Add(deleted ? $"deleted Knative Service {ns}/{name} of run {run}" : $"Knative Service {ns}/{name} of run {run} was already gone");
            }
            catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
            {
                lines.Add($"could not delete Knative Service {ns}/{name} of run {run}: {ObjectWatch.Describe(e)}");
            }
        }
        await CleanJobsAsync(api, runId, isActive, lines, ct).ConfigureAwait(false);
        return lines;
    }

    private static async Task CleanJobsAsync(KnativeApi api, string? runId, Func<string, bool> isActive, List<string> lines, CancellationToken ct)
    {
        string ns = api.Namespace;
        k8s.Models.V1JobList jobs;
        try
        {
            jobs = await api.Client.BatchV1.ListNamespacedJobAsync(ns, labelSelector: runId is null ? Resources.RunLabel : $"{Resources.RunLabel}={runId}",
                cancellationToken: ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
        {
            lines.Add($"could not list Jobs in namespace {ns}: {ObjectWatch.Describe(e)}");
            return;
        }
        foreach (var job in jobs.Items)
        {
            string name = job.Metadata.Name, run = job.Metadata.Labels is { } l && l.TryGetValue(Resources.RunLabel, out var r) ? r : "";
            if (runId is null && isActive(run)) continue;
            try
            {
                await api.Client.BatchV1.DeleteNamespacedJobAsync(name, ns, propagationPolicy: "Background", cancellationToken: ct).ConfigureAwait(false);
                lines.Add($"deleted load Job {ns}/{name} of run {run}");
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                lines.Add($"load Job {ns}/{name} of run {run} was already gone");
            }
            catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
            {
                lines.Add($"could not delete load Job {ns}/{name} of run {run}: {ObjectWatch.Describe(e)}");
            }
        }
    }
}
