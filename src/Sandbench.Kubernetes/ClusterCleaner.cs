namespace Sandbench.Kubernetes;

/// <summary>
/// <c>sandbench clean --kubernetes</c>: deletes the Knative Services and the in-cluster load Jobs that runs left on the
/// cluster (found by the run label), skipping runs still alive on this host (they delete their own when they end).
/// </summary>
public static class ClusterCleaner
{
    /// <summary>One line per Service or Job deleted or not deleted, or why the cluster could not be reached.</summary>
    public static async Task<IReadOnlyList<string>> CleanAsync(string? kubeconfig, string? context, string ns, string? runId,
        Func<string, bool> isActive, CancellationToken ct)
    {
        if (!ClusterConnection.TryConnect(kubeconfig, context, out var client, out string source, out string? problem))
            return [$"could not reach a cluster: {problem}"];
        var api = new KnativeApi(client!, ns);
        var lines = new List<string>();
        // When not even the Services can be listed, the cluster is not answering: that one line says so.
        if (!await CleanKindAsync("Knative Service", api.LabelledServicesAsync, api.DeleteServiceAsync).ConfigureAwait(false)) return lines;
        await CleanKindAsync("load Job", api.LabelledJobsAsync, api.DeleteJobAsync).ConfigureAwait(false);
        return lines;

        // False when the objects could not be listed.
        async Task<bool> CleanKindAsync(string kind, Func<string?, CancellationToken, Task<IReadOnlyList<(string Name, string Run)>>> list,
            Func<string, CancellationToken, Task<bool>> delete)
        {
            IReadOnlyList<(string Name, string Run)> found;
            try
            {
                found = await list(runId, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
            {
                lines.Add($"could not list {kind}s in namespace {ns} of {source}: {ObjectWatch.Describe(e)}");
                return false;
            }
            foreach (var (name, run) in found)
            {
                if (runId is null && isActive(run)) continue;
                try
                {
                    bool deleted = await delete(name, ct).ConfigureAwait(false);
                    lines.Add(deleted ? $"deleted {kind} {ns}/{name} of run {run}" : $"{kind} {ns}/{name} of run {run} was already gone");
                }
                catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
                {
                    lines.Add($"could not delete {kind} {ns}/{name} of run {run}: {ObjectWatch.Describe(e)}");
                }
            }
            return true;
        }
    }
}
