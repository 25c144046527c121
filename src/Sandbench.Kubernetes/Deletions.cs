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
}
