namespace Sandbench.Kubernetes;

/// <summary>
/// <c>sandbench clean --kubernetes</c>: deletes the Knative Services, in-cluster Jobs (load, eventing), Triggers and sink Services that runs left on the
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
        string where = $"in namespace {ns} of {source}";
        static string? Failure(Exception e) => e is k8s.Autorest.HttpOperationException or HttpRequestException or IOException ? ObjectWatch.Describe(e) : null;
        // When not even the Services can be listed, the cluster is not answering: that one line says so.
        if (!await Leftovers.DeleteAsync("Knative Service", where, $"{ns}/", api.LabelledServicesAsync, api.DeleteServiceAsync, Failure, runId, isActive, lines, ct)
                .ConfigureAwait(false))
            return lines;
        await Leftovers.DeleteAsync("Job", where, $"{ns}/", api.LabelledJobsAsync, api.DeleteJobAsync, Failure, runId, isActive, lines, ct).ConfigureAwait(false);
        // Eventing: Triggers (404 when Knative Eventing is not installed: nothing of ours can be there) and the sinks' Services.
        await Leftovers.DeleteAsync("Trigger", where, $"{ns}/", (r, t) => OrNone(api.LabelledTriggersAsync(r, t)), api.DeleteTriggerAsync, Failure, runId,
            isActive, lines, ct).ConfigureAwait(false);
        await Leftovers.DeleteAsync("Service", where, $"{ns}/", api.LabelledPlainServicesAsync, api.DeletePlainServiceAsync, Failure, runId, isActive, lines, ct)
            .ConfigureAwait(false);
        return lines;
    }

    private static async Task<IReadOnlyList<(string Name, string Run)>> OrNone(Task<IReadOnlyList<(string Name, string Run)>> list)
    {
        try
        {
            return await list.ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }
    }
}
