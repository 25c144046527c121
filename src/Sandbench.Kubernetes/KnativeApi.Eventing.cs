using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Sandbench.Kubernetes;

/// <summary>Knative Eventing's objects (eventing.knative.dev/v1 Brokers and Triggers) and the plain Services a Trigger delivers to.</summary>
internal sealed partial class KnativeApi
{
    public const string EventingGroup = "eventing.knative.dev";
    public const string EventingVersion = "v1";
    public const string Brokers = "brokers";
    public const string Triggers = "triggers";

    /// <summary>A Broker as the API serves it; null when there is none of that name (404).</summary>
    public async Task<JsonElement?> GetBrokerAsync(string name, CancellationToken ct) => await GetAsync(Brokers, name, ct).ConfigureAwait(false);

    /// <summary>A Trigger as the API serves it; null when there is none of that name (404).</summary>
    public async Task<JsonElement?> GetTriggerAsync(string name, CancellationToken ct) => await GetAsync(Triggers, name, ct).ConfigureAwait(false);

    private async Task<JsonElement?> GetAsync(string plural, string name, CancellationToken ct)
    {
        try
        {
            var r = await Client.CustomObjects.GetNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(EventingGroup, EventingVersion, Namespace, plural, name,
                cancellationToken: ct).ConfigureAwait(false);
            return r.Body.Clone();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates a Trigger; false when one of that name exists already (409).</summary>
    public Task<bool> CreateTriggerAsync(JsonObject manifest, CancellationToken ct) =>
        Unless(HttpStatusCode.Conflict, () => Client.CustomObjects.CreateNamespacedCustomObjectAsync(manifest, EventingGroup, EventingVersion, Namespace, Triggers,
            cancellationToken: ct));

    /// <summary>Deletes a Trigger; false when it was not there (404).</summary>
    public Task<bool> DeleteTriggerAsync(string name, CancellationToken ct) =>
        Unless(HttpStatusCode.NotFound, () => Client.CustomObjects.DeleteNamespacedCustomObjectAsync(EventingGroup, EventingVersion, Namespace, Triggers, name,
            cancellationToken: ct));

    /// <summary>Names of the Triggers in the namespace that carry the run label (any run, or <paramref name="runId"/>).</summary>
    public async Task<IReadOnlyList<(string Name, string Run)>> LabelledTriggersAsync(string? runId, CancellationToken ct)
    {
        var list = (await Client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(EventingGroup, EventingVersion, Namespace, Triggers,
            labelSelector: RunSelector(runId), cancellationToken: ct).ConfigureAwait(false)).Body;
        return list.Node("items") is { ValueKind: JsonValueKind.Array } items
            ? [.. items.EnumerateArray().Select(i => (i.Name(), i.Label(Resources.RunLabel) ?? ""))]
            : [];
    }

    /// <summary>Creates a plain Service (v1); false when one of that name exists already (409).</summary>
    public Task<bool> CreatePlainServiceAsync(V1Service service, CancellationToken ct) =>
        Unless(HttpStatusCode.Conflict, () => Client.CoreV1.CreateNamespacedServiceAsync(service, Namespace, cancellationToken: ct));

    /// <summary>Deletes a plain Service (v1); false when it was not there (404).</summary>
    public Task<bool> DeletePlainServiceAsync(string name, CancellationToken ct) =>
        Unless(HttpStatusCode.NotFound, () => Client.CoreV1.DeleteNamespacedServiceAsync(name, Namespace, cancellationToken: ct));

    /// <summary>
    /// The label on an eventing trial's sink Service and pod: the Service selects the pod by it, and clean finds the plain Services by
    /// it (Knative's own Services of a run's Knative Service may carry the run label too; they go with that Service).
    /// </summary>
    public const string SinkLabel = "sandbench.io/sink";

    /// <summary>Names of the eventing sinks' plain Services in the namespace that carry the run label (any run, or <paramref name="runId"/>).</summary>
    public async Task<IReadOnlyList<(string Name, string Run)>> LabelledPlainServicesAsync(string? runId, CancellationToken ct)
    {
        var list = await Client.CoreV1.ListNamespacedServiceAsync(Namespace, labelSelector: $"{RunSelector(runId)},{SinkLabel}", cancellationToken: ct)
            .ConfigureAwait(false);
        return [.. list.Items.Select(s => (s.Metadata.Name, s.Metadata.Labels is { } l && l.TryGetValue(Resources.RunLabel, out var r) ? r : ""))];
    }
}
