namespace Sandbench.Kubernetes;

/// <summary>
/// Deleting what a runtime created, at the end of a scale step or of a run: one by one, all within 30 s (on the clock's
/// time, so an interrupted run still cleans up), one line for each object that could not be deleted.
/// </summary>
internal static class Deletions
{
    /// <param name="delete">Deletes one; a line saying why it could not, or null.</param>
    public static async Task<List<string>> DeleteAllAsync(IEnumerable<string> names, Func<string, CancellationToken, Task<string?>> delete, TimeProvider time)
    {
        var problems = new List<string>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);
        foreach (var name in names.ToList())
            if (await delete(name, limit.Token).ConfigureAwait(false) is { } problem) problems.Add(problem);
        return problems;
    }

    /// <summary>
    /// Deletes what a trial created, as it ends however it ends (an interruption too): all within 30 s, each tried even when one
    /// before it failed; a failure is let go, since everything carries the run label and <c>sandbench clean --kubernetes</c> finds it.
    /// </summary>
    public static async Task BestEffortAsync(TimeProvider time, params Func<CancellationToken, Task>[] deletes)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);
        foreach (var delete in deletes)
        {
            try
            {
                await delete(limit.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or IOException or OperationCanceledException)
            {
                // Left for 'sandbench clean --kubernetes'.
            }
        }
    }
}
