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
        var lines = new List<string>();
        await Leftovers.DeleteAsync("OpenFaaS function", $"at {settings.Gateway}", "", api.LabelledAsync, api.DeleteAsync,
            e => e is GatewayException or HttpRequestException or IOException or System.Text.Json.JsonException ? e.Message : null,
            runId, isActive, lines, ct).ConfigureAwait(false);
        return lines;
    }
}
