namespace Sandbench.Kubernetes;

/// <summary>
/// The loop of <c>sandbench clean --kubernetes</c> and <c>--openfaas</c>: list what carries the run label, skip runs still
/// alive on this host (they delete their own when they end), delete the rest, one line for each.
/// </summary>
internal static class Leftovers
{
    /// <param name="kind">What is deleted, as the lines name it ("Knative Service", "OpenFaaS function").</param>
    /// <param name="listedWhere">Where it was listed, for the line when listing fails ("in namespace default of ~/.kube/config").</param>
    /// <param name="prefix">Before each name in the lines ("default/" for namespaced objects).</param>
    /// <param name="list">The labelled objects, of any run or of <paramref name="runId"/>, with the run of each.</param>
    /// <param name="delete">Deletes one; false when it was already gone.</param>
    /// <param name="failure">The reason to print for an error the cluster or gateway gave; null for an error to let through.</param>
    /// <returns>False when the objects could not be listed (that line is added).</returns>
    public static async Task<bool> DeleteAsync(string kind, string listedWhere, string prefix,
        Func<string?, CancellationToken, Task<IReadOnlyList<(string Name, string Run)>>> list, Func<string, CancellationToken, Task<bool>> delete,
        Func<Exception, string?> failure, string? runId, Func<string, bool> isActive, List<string> lines, CancellationToken ct)
    {
        IReadOnlyList<(string Name, string Run)> found;
        string? why = null;
        try
        {
            found = await list(runId, ct).ConfigureAwait(false);
        }
        catch (Exception e) when ((why = failure(e)) is not null)
        {
            lines.Add($"could not list {kind}s {listedWhere}: {why}");
            return false;
        }
        foreach (var (name, run) in found)
        {
            if (runId is null && isActive(run)) continue;
            try
            {
                bool deleted = await delete(name, ct).ConfigureAwait(false);
                lines.Add(deleted ? $"deleted {kind} {prefix}{name} of run {run}" : $"{kind} {prefix}{name} of run {run} was already gone");
            }
            catch (Exception e) when ((why = failure(e)) is not null)
            {
                lines.Add($"could not delete {kind} {prefix}{name} of run {run}: {why}");
            }
        }
        return true;
    }
}
