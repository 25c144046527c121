using Sandbench.Core.Runtimes;

namespace Sandbench.Kubernetes.OpenFaas;

/// <summary>
/// <c>sandbench clean --openfaas</c>: deletes the functions that runs left behind the gateway (found by the run label),
/// skipping runs still alive on this host (they delete their own when they end).
/// </summary>
public static class OpenFaasCleaner
{
    /// <summary>One line per function deleted or not deleted, or why the gateway could not be used.</summary>
    /// <param name="profile">The openfaas profile whose gateway and credentials are used.</param>
    public static async Task<IReadOnlyList<string>> CleanAsync(RuntimeProfile profile, string? runId, Func<string, bool> isActive, CancellationToken ct)
    {
        var settings = OpenFaasSettings.Read(profile, out var problems);
        if (problems.Count > 0) return [.. problems.Select(p => $"could not clean OpenFaaS functions: {p}")];
        using var api = new OpenFaasApi(settings);
        IReadOnlyList<(string Name, string Run)> found;
        try
        {
            found = await api.LabelledAsync(runId, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is GatewayException or HttpRequestException or IOException or System.Text.Json.JsonException)
        {
            return [$"could not list OpenFaaS functions at {settings.Gateway}: {e.Message}"];
        }
        var lines = new List<string>();
        foreach (var (name, run) in found)
        {
            if (runId is null && isActive(run)) continue;
            try
            {
                bool deleted = await api.DeleteAsync(name, ct).ConfigureAwait(false);
                lines.Add(deleted ? $"deleted OpenFaaS function {name} of run {run}" : $"OpenFaaS function {name} of run {run} was already gone");
            }
            catch (Exception e) when (e is GatewayException or HttpRequestException or IOException)
            {
                lines.Add($"could not delete OpenFaaS function {name} of run {run}: {e.Message}");
            }
        }
        return lines;
    }
}
