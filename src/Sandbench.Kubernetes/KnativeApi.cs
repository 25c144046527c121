using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Sandbench.Kubernetes;

/// <summary>The resources the knative runtime reads and writes, by the plural names of their list paths.</summary>
public static class Resources
{
    public const string Services = "services";
    public const string Revisions = "revisions";
    public const string Routes = "routes";
    public const string Deployments = "deployments";
    public const string Pods = "pods";

    public const string ServingGroup = "serving.knative.dev";
    public const string ServingVersion = "v1";

    /// <summary>The label on everything a run creates: <c>sandbench clean --kubernetes</c> finds leftovers by it.</summary>
    public const string RunLabel = "sandbench.io/run";

    /// <summary>Knative's label on a Service's revisions, routes, deployments and pods.</summary>
    public const string ServiceLabel = "serving.knative.dev/service";
}

/// <summary>One page of a list: the objects and the collection's resourceVersion to watch from.</summary>
internal sealed record ListPage(IReadOnlyList<JsonElement> Items, string? ResourceVersion);

/// <summary>
/// Create, delete, list and watch through KubernetesClient: Knative objects through its custom-object API,
/// deployments and pods through the typed API, everything handed on as JSON.
/// </summary>
internal sealed partial class KnativeApi(IKubernetes client, string ns)
{
    public IKubernetes Client { get; } = client;

    public string Namespace { get; } = ns;

    /// <summary>Creates a Knative Service; false when one of that name exists already (409).</summary>
    public Task<bool> CreateServiceAsync(JsonObject manifest, CancellationToken ct) =>
        Unless(HttpStatusCode.Conflict, () => Client.CustomObjects.CreateNamespacedCustomObjectAsync(manifest, Resources.ServingGroup, Resources.ServingVersion,
            Namespace, Resources.Services, cancellationToken: ct));

    /// <summary>Deletes a Knative Service (its revisions, routes, deployments and pods go with it); false when it was not there (404).</summary>
    public Task<bool> DeleteServiceAsync(string name, CancellationToken ct) =>
        Unless(HttpStatusCode.NotFound, () => Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Resources.ServingGroup, Resources.ServingVersion, Namespace,
            Resources.Services, name, propagationPolicy: "Background", cancellationToken: ct));

    /// <summary>Creates a Job (batch/v1); false when one of that name exists already (409).</summary>
    public Task<bool> CreateJobAsync(V1Job job, CancellationToken ct) =>
        Unless(HttpStatusCode.Conflict, () => Client.BatchV1.CreateNamespacedJobAsync(job, Namespace, cancellationToken: ct));

    /// <summary>Deletes a Job and its pods (background propagation); false when it was not there (404).</summary>
    public Task<bool> DeleteJobAsync(string name, CancellationToken ct) =>
        Unless(HttpStatusCode.NotFound, () => Client.BatchV1.DeleteNamespacedJobAsync(name, Namespace, propagationPolicy: "Background", cancellationToken: ct));

    /// <summary>Makes a create or delete call: true when it was answered with success, false when with <paramref name="status"/> (409, 404).</summary>
    private static async Task<bool> Unless(HttpStatusCode status, Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == status)
        {
            return false;
        }
    }

    /// <summary>Names of the Jobs in the namespace that carry the run label (any run, or <paramref name="runId"/>).</summary>
    public async Task<IReadOnlyList<(string Name, string Run)>> LabelledJobsAsync(string? runId, CancellationToken ct)
    {
        var jobs = await Client.BatchV1.ListNamespacedJobAsync(Namespace, labelSelector: RunSelector(runId), cancellationToken: ct).ConfigureAwait(false);
        return [.. jobs.Items.Select(j => (j.Metadata.Name, j.Metadata.Labels is { } l && l.TryGetValue(Resources.RunLabel, out var r) ? r : ""))];
    }

    public async Task<ListPage> ListAsync(string resource, string labelSelector, CancellationToken ct)
    {
        JsonElement list = resource switch
        {
            Resources.Pods => Json((await Client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(Namespace, labelSelector: labelSelector,
                cancellationToken: ct).ConfigureAwait(false)).Body),
            Resources.Deployments => Json((await Client.AppsV1.ListNamespacedDeploymentWithHttpMessagesAsync(Namespace, labelSelector: labelSelector,
                cancellationToken: ct).ConfigureAwait(false)).Body),
            _ => (await Client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(Resources.ServingGroup, Resources.ServingVersion,
                Namespace, resource, labelSelector: labelSelector, cancellationToken: ct).ConfigureAwait(false)).Body,
        };
        var items = list.Node("items") is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().Select(i => i.Clone()).ToList() : [];
        return new ListPage(items, list.Str("metadata", "resourceVersion"));
    }

#pragma warning disable CS0618
    /// <summary>Watch events from <paramref name="resourceVersion"/> on, bookmarks asked for, as the library parses them.</summary>
    /// <remarks>
    /// The list call with <c>watch: true</c> and <c>WatchAsync&lt;JsonElement, L&gt;</c>: the typed watch methods that replace it parse
    /// every event into the resource's type, where an ERROR event's Status (410 Gone: relist) cannot be read.
    /// Awaits the response head first and calls <paramref name="established"/> then: from that moment the server streams
    /// changes as they happen, so an event's receipt time is its delivery time (before it, changes wait to be replayed).
    /// </remarks>
    public async Task<IAsyncEnumerable<(WatchEventType, JsonElement)>> WatchAsync(string resource, string labelSelector, string resourceVersion,
        int timeoutSeconds, Action<Exception> onError, Action established, CancellationToken ct)
    {
        switch (resource)
        {
            case Resources.Pods:
                var pods = await Client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(Namespace, allowWatchBookmarks: true, labelSelector: labelSelector,
                    resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: ct).ConfigureAwait(false);
                established();
                return Task.FromResult(pods).WatchAsync<JsonElement, k8s.Models.V1PodList>(onError, ct);
            case Resources.Deployments:
                var deployments = await Client.AppsV1.ListNamespacedDeploymentWithHttpMessagesAsync(Namespace, allowWatchBookmarks: true, labelSelector: labelSelector,
                    resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: ct).ConfigureAwait(false);
                established();
                return Task.FromResult(deployments).WatchAsync<JsonElement, k8s.Models.V1DeploymentList>(onError, ct);
            default:
                var custom = await Client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(Resources.ServingGroup, Resources.ServingVersion,
                    Namespace, resource, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds,
                    watch: true, cancellationToken: ct).ConfigureAwait(false);
                established();
                return Task.FromResult(custom).WatchAsync<JsonElement, JsonElement>(onError, ct);
        }
    }
#pragma warning restore CS0618

    /// <summary>Names of the Knative Services in the namespace that carry the run label (any run, or <paramref name="runId"/>).</summary>
    public async Task<IReadOnlyList<(string Name, string Run)>> LabelledServicesAsync(string? runId, CancellationToken ct)
    {
        var page = await ListAsync(Resources.Services, RunSelector(runId), ct).ConfigureAwait(false);
        return [.. page.Items.Select(i => (i.Name(), i.Label(Resources.RunLabel) ?? ""))];
    }

    /// <summary>Objects of any run (the label is there), or of one run.</summary>
    private static string RunSelector(string? runId) => runId is null ? Resources.RunLabel : $"{Resources.RunLabel}={runId}";

    private static JsonElement Json(object typed) => JsonDocument.Parse(KubernetesJson.Serialize(typed)).RootElement.Clone();
}
