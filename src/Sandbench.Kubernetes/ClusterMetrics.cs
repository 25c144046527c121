using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Sandbench.Core.Storage;

namespace Sandbench.Kubernetes;

/// <summary>
/// Node and pod CPU and memory from the resource metrics API (metrics.k8s.io/v1beta1, served by metrics-server), as
/// host readings: <c>k8s.node.NAME.cpu_cores</c> and <c>.memory_bytes</c> per node, and over the run's pods in the
/// namespace (found by the run label) <c>k8s.pods.NS.cpu_cores</c>, <c>.memory_bytes</c> and <c>.count</c>. The API
/// reports each figure over metrics-server's own window (its <c>window</c>, 15–30 s by default), not at the instant read.
/// </summary>
internal sealed class ClusterMetrics(KnativeApi api)
{
    public const string Group = "metrics.k8s.io";
    public const string Version = "v1beta1";

    /// <summary>The cluster answered 404 for the API (no metrics-server): it is not asked again.</summary>
    private bool _absent;

    public async Task<IReadOnlyList<HostMetric>> SampleAsync(string runId, long tNs, CancellationToken ct)
    {
        if (_absent) return [];
        try
        {
            var nodes = await api.Client.CustomObjects.ListClusterCustomObjectAsync<JsonElement>(Group, Version, "nodes", cancellationToken: ct).ConfigureAwait(false);
            var pods = await api.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(Group, Version, api.Namespace, "pods",
                labelSelector: $"{Resources.RunLabel}={runId}", cancellationToken: ct).ConfigureAwait(false);
            return From(nodes, pods, api.Namespace, tNs);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            _absent = true;
            return [];
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or JsonException or FormatException)
        {
            return []; // one reading missed; the next may work
        }
    }

    /// <summary>The readings of one NodeMetricsList and one PodMetricsList.</summary>
    internal static List<HostMetric> From(JsonElement nodes, JsonElement pods, string ns, long tNs)
    {
        var metrics = new List<HostMetric>();
        foreach (var node in Items(nodes))
        {
            string name = node.GetProperty("metadata").GetProperty("name").GetString() ?? "";
            if (node.TryGetProperty("usage", out var usage))
            {
                if (Quantity(usage, "cpu") is { } cpu) metrics.Add(new HostMetric(tNs, $"k8s.node.{name}.cpu_cores", cpu));
                if (Quantity(usage, "memory") is { } memory) metrics.Add(new HostMetric(tNs, $"k8s.node.{name}.memory_bytes", memory));
            }
        }
        double podCpu = 0, podMemory = 0;
        int count = 0;
        foreach (var pod in Items(pods))
        {
            count++;
            if (!pod.TryGetProperty("containers", out var containers) || containers.ValueKind != JsonValueKind.Array) continue;
            foreach (var c in containers.EnumerateArray())
            {
                if (!c.TryGetProperty("usage", out var usage)) continue;
                podCpu += Quantity(usage, "cpu") ?? 0;
                podMemory += Quantity(usage, "memory") ?? 0;
            }
        }
        metrics.Add(new HostMetric(tNs, $"k8s.pods.{ns}.count", count));
        if (count > 0)
        {
            metrics.Add(new HostMetric(tNs, $"k8s.pods.{ns}.cpu_cores", podCpu));
            metrics.Add(new HostMetric(tNs, $"k8s.pods.{ns}.memory_bytes", podMemory));
        }
        return metrics;
    }

    private static JsonElement[] Items(JsonElement list) =>
        list.ValueKind == JsonValueKind.Object && list.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array
            ? [.. items.EnumerateArray()] : [];

    /// <summary>A Kubernetes quantity ("250m", "1283456n", "1Gi", "2") as a number of cores or bytes.</summary>
    private static double? Quantity(JsonElement usage, string name) =>
        usage.TryGetProperty(name, out var q) && q.GetString() is { Length: > 0 } text ? (double)new ResourceQuantity(text).ToDecimal() : null;
}
