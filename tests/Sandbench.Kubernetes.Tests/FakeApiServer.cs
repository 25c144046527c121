using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Sandbench.Kubernetes.Tests;

/// <summary>
/// A Kubernetes API server on 127.0.0.1, written from the API documents (API Concepts: efficient detection of
/// changes, resource versions, watch bookmarks, 410 Gone; Status objects): list and watch with resourceVersion
/// for Knative Services, Revisions and Routes (custom objects), Deployments and Pods; create (409 on an existing
/// name); delete (404 on a missing one; a Service's children go with it). Tests drive it: close every open watch
/// stream (as a server's timeout does), expire its history (watches from older versions get 410), and a
/// controller hook stands in for Knative's.
/// </summary>
internal sealed partial class FakeApiServer : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Resource, string Ns, string Name), JsonObject> _objects = [];
    private readonly List<(long Rv, string Resource, string Ns, string Type, JsonObject Obj)> _history = [];
    private readonly List<Channel<(string Resource, string Ns, string Type, JsonObject Obj)>> _watches = [];
    private readonly WebApplication _app;
    private long _rv = 1000;
    private long _oldestWatchable;

    public FakeApiServer()
    {
        _app = LoopbackApp.Build();
        _app.MapGet("/version", () => Results.Json(new { major = "1", minor = "31", gitVersion = "v1.31.0-fake", platform = "linux/amd64" }));
        _app.MapGet("/apis/serving.knative.dev/v1/namespaces/{ns}/{plural}", (HttpContext h, string ns, string plural) => ListOrWatch(h, plural, ns));
        _app.MapPost("/apis/serving.knative.dev/v1/namespaces/{ns}/{plural}", (HttpContext h, string ns, string plural) => Create(h, plural, ns));
        _app.MapDelete("/apis/serving.knative.dev/v1/namespaces/{ns}/{plural}/{name}", (string ns, string plural, string name) => DeleteRequest(plural, ns, name));
        _app.MapGet("/api/v1/namespaces/{ns}/pods", (HttpContext h, string ns) => ListOrWatch(h, "pods", ns));
        // The resource metrics API as metrics-server serves it (metrics.k8s.io/v1beta1 NodeMetricsList, PodMetricsList).
        _app.MapGet("/apis/metrics.k8s.io/v1beta1/nodes", (HttpContext h) => MetricsServed
            ? Results.Text(MetricsList("NodeMetricsList", [new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "fake-node" },
                ["timestamp"] = "2026-11-23T10:00:00Z", ["window"] = "20.05s",
                ["usage"] = new JsonObject { ["cpu"] = NodeCpu, ["memory"] = NodeMemory },
            }]), "application/json")
            : Status(404, "NotFound", "the server could not find the requested resource"));
        _app.MapGet("/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods", (HttpContext h, string ns) =>
        {
            if (!MetricsServed) return Status(404, "NotFound", "the server could not find the requested resource");
            var matches = LabelSelector.Parse(h.Request.Query["labelSelector"]);
            List<JsonObject> pods;
            lock (_gate) pods = [.. _objects.Where(p => p.Key.Resource == "pods" && p.Key.Ns == ns && matches(p.Value)).Select(p => p.Value)];
            return Results.Text(MetricsList("PodMetricsList", [.. pods.Select(p => new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = p["metadata"]!["name"]!.GetValue<string>(), ["namespace"] = ns },
                ["timestamp"] = "2026-11-23T10:00:00Z", ["window"] = "18.4s",
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "user-container",
                    ["usage"] = new JsonObject { ["cpu"] = "1500000n", ["memory"] = "20Mi" },
                }, new JsonObject
                {
                    ["name"] = "queue-proxy",
                    ["usage"] = new JsonObject { ["cpu"] = "500u", ["memory"] = "12Mi" },
                }),
            })]), "application/json");
        });
        MapJobs();
        MapEventing();
        _app.MapGet("/apis/apps/v1/namespaces/{ns}/deployments", (HttpContext h, string ns) => ListOrWatch(h, "deployments", ns));
        _app.MapGet("/apis/node.k8s.io/v1/runtimeclasses/{name}", (string name) => RuntimeClasses.Contains(name)
            ? Results.Json(new { apiVersion = "node.k8s.io/v1", kind = "RuntimeClass", metadata = new { name }, handler = name })
            : Status(404, "NotFound", $"runtimeclasses.node.k8s.io \"{name}\" not found"));
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>False: serving.knative.dev answers 404, as on a cluster without Knative.</summary>
    public bool KnativeInstalled { get; set; } = true;

    public HashSet<string> RuntimeClasses { get; } = ["gvisor", "kata-qemu"];

    /// <summary>Called (off the request) after a Knative Service was created: the fake Knative controller.</summary>
    public Action<JsonObject>? ServiceCreated { get; set; }

    /// <summary>Watch requests served so far (a reconnect is one more).</summary>
    public int WatchRequests;

    public async Task StartAsync()
    {
        await _app.StartAsync();
        Url = new Uri(_app.Urls.First());
    }

    /// <summary>A kubeconfig file for this server (plain HTTP, no credentials).</summary>
    public string WriteKubeconfig(string dir)
    {
        string path = Path.Combine(dir, "kubeconfig");
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {{Url.ToString().TrimEnd('/')}}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: fake
            current-context: fake
            users:
            - name: fake
              user:
                token: fake-token
            """);
        return path;
    }

    public JsonObject? Get(string resource, string name, string ns = "default")
    {
        lock (_gate) return _objects.TryGetValue((resource, ns, name), out var o) ? (JsonObject)o.DeepClone() : null;
    }

    public IReadOnlyList<JsonObject> All(string resource)
    {
        lock (_gate) return [.. _objects.Where(p => p.Key.Resource == resource).Select(p => (JsonObject)p.Value.DeepClone())];
    }

    /// <summary>Adds or replaces an object (a new resourceVersion, an ADDED or MODIFIED event).</summary>
    public void Put(string resource, JsonObject obj, string ns = "default")
    {
        lock (_gate)
        {
            string name = obj["metadata"]!["name"]!.GetValue<string>();
            bool exists = _objects.ContainsKey((resource, ns, name));
            var meta = obj["metadata"]!.AsObject();
            meta["namespace"] = ns;
            meta["resourceVersion"] = (++_rv).ToString(CultureInfo.InvariantCulture);
            meta["creationTimestamp"] ??= Stamp();
            meta["uid"] ??= Guid.NewGuid().ToString();
            _objects[(resource, ns, name)] = (JsonObject)obj.DeepClone();
            Publish(resource, ns, exists ? "MODIFIED" : "ADDED", obj);
        }
    }

    /// <summary>Changes an object in place (a MODIFIED event); nothing when it is gone.</summary>
    public void Update(string resource, string name, Action<JsonObject> change, string ns = "default")
    {
        lock (_gate)
        {
            if (!_objects.TryGetValue((resource, ns, name), out var o)) return;
            var copy = (JsonObject)o.DeepClone();
            change(copy);
            Put(resource, copy, ns);
        }
    }

    /// <summary>Deletes an object (a DELETED event); false when it is not there.</summary>
    public bool Delete(string resource, string name, string ns = "default")
    {
        lock (_gate)
        {
            if (!_objects.Remove((resource, ns, name), out var o)) return false;
            o["metadata"]!["resourceVersion"] = (++_rv).ToString(CultureInfo.InvariantCulture);
            Publish(resource, ns, "DELETED", o);
            if (resource == "jobs")
            {
                // Background propagation: the Job's pods go with it.
                foreach (var pod in _objects.Where(p => p.Key.Resource == "pods" && p.Key.Ns == ns && p.Value["metadata"]?["labels"]?["job-name"]?.GetValue<string>() == name).ToList())
                    Delete("pods", pod.Key.Name, ns);
            }
            if (resource == "services")
            {
                // Owner references: the Service's revisions, routes, deployments and pods go with it.
                foreach (var child in _objects.Where(p => p.Key.Ns == ns && p.Value["metadata"]?["labels"]?["serving.knative.dev/service"]?.GetValue<string>() == name).ToList())
                    Delete(child.Key.Resource, child.Key.Name, ns);
            }
            return true;
        }
    }

    /// <summary>Ends every open watch stream, as the server's watch timeout does; clients must watch again.</summary>
    public void CloseWatches()
    {
        lock (_gate)
        {
            foreach (var w in _watches) w.Writer.TryComplete();
            _watches.Clear();
        }
    }

    /// <summary>
    /// Compacts the history: every version seen so far is too old to watch from, so a watch from one is answered with
    /// an ERROR event carrying a 410 Gone Status (the client must list again).
    /// </summary>
    public void ExpireHistory()
    {
        lock (_gate)
        {
            // As if other writes happened since: the current version (what a new list returns) stays watchable.
            _oldestWatchable = ++_rv;
            _history.Clear();
        }
    }

    public static string Stamp() => TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private void Publish(string resource, string ns, string type, JsonObject obj)
    {
        var snapshot = (JsonObject)obj.DeepClone();
        _history.Add((_rv, resource, ns, type, snapshot));
        foreach (var w in _watches) w.Writer.TryWrite((resource, ns, type, snapshot));
    }

    private bool Knative(string resource) => resource is "services" or "revisions" or "routes" or "configurations";

    /// <summary>Serve metrics.k8s.io (a cluster with metrics-server); off: 404, as a cluster without it answers.</summary>
    public bool MetricsServed { get; set; }

    public string NodeCpu { get; set; } = "250m";

    public string NodeMemory { get; set; } = "1Gi";

    private static string MetricsList(string kind, IEnumerable<JsonObject> items) => new JsonObject
    {
        ["kind"] = kind, ["apiVersion"] = "metrics.k8s.io/v1beta1", ["metadata"] = new JsonObject(), ["items"] = new JsonArray([.. items]),
    }.ToJsonString();

    private async Task ListOrWatch(HttpContext h, string resource, string ns)
    {
        if (Knative(resource) && !KnativeInstalled)
        {
            await Status(404, "NotFound", "the server could not find the requested resource").ExecuteAsync(h);
            return;
        }
        var q = h.Request.Query;
        var matches = LabelSelector.Parse(q["labelSelector"]);
        if (q["watch"] != "true")
        {
            JsonArray items;
            string rv;
            lock (_gate)
            {
                items = [.. _objects.Where(p => p.Key.Resource == resource && p.Key.Ns == ns && matches(p.Value)).Select(p => (JsonNode)p.Value.DeepClone())];
                rv = _rv.ToString(CultureInfo.InvariantCulture);
            }
            var list = new JsonObject
            {
                ["apiVersion"] = resource switch { "pods" => "v1", "deployments" => "apps/v1", "jobs" => "batch/v1", _ => "serving.knative.dev/v1" },
                ["kind"] = resource switch { "pods" => "PodList", "deployments" => "DeploymentList", "jobs" => "JobList", _ => "List" },
                ["metadata"] = new JsonObject { ["resourceVersion"] = rv },
                ["items"] = items,
            };
            await Results.Text(list.ToJsonString(), "application/json").ExecuteAsync(h);
            return;
        }

        Interlocked.Increment(ref WatchRequests);
        long from = long.TryParse(q["resourceVersion"], CultureInfo.InvariantCulture, out long v) ? v : 0;
        bool bookmarks = q["allowWatchBookmarks"] == "true";
        h.Response.ContentType = "application/json";
        var channel = Channel.CreateUnbounded<(string Resource, string Ns, string Type, JsonObject Obj)>();
        var replay = new List<(string, string, string, JsonObject)>();
        bool gone;
        long now;
        lock (_gate)
        {
            gone = from != 0 && from < _oldestWatchable;
            if (!gone)
            {
                replay.AddRange(_history.Where(e => e.Rv > from).Select(e => (e.Resource, e.Ns, e.Type, e.Obj)));
                _watches.Add(channel);
            }
            now = _rv;
        }
        await h.Response.StartAsync(h.RequestAborted);
        if (gone)
        {
            var status = new JsonObject
            {
                ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = "Expired", ["code"] = 410,
                ["message"] = $"too old resource version: {from} ({_oldestWatchable})",
            };
            await Line(h, "ERROR", status);
            return;
        }
        foreach (var (r, n, type, obj) in replay)
            if (r == resource && n == ns && matches(obj)) await Line(h, type, obj);
        if (bookmarks)
        {
            // A bookmark carries only the collection's version: the client may resume from it.
            await Line(h, "BOOKMARK", new JsonObject
            {
                ["kind"] = resource == "pods" ? "Pod" : resource == "deployments" ? "Deployment" : "Service",
                ["apiVersion"] = resource == "pods" ? "v1" : resource == "deployments" ? "apps/v1" : "serving.knative.dev/v1",
                ["metadata"] = new JsonObject { ["resourceVersion"] = now.ToString(CultureInfo.InvariantCulture) },
            });
        }
        try
        {
            await foreach (var (r, n, type, obj) in channel.Reader.ReadAllAsync(h.RequestAborted))
                if (r == resource && n == ns && matches(obj)) await Line(h, type, obj);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate) _watches.Remove(channel);
        }
    }

    private static async Task Line(HttpContext h, string type, JsonObject obj)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";
        try
        {
            await h.Response.WriteAsync(line, h.RequestAborted);
            await h.Response.Body.FlushAsync(h.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
    }

    private async Task<IResult> Create(HttpContext h, string resource, string ns)
    {
        if (!KnativeInstalled) return Status(404, "NotFound", "the server could not find the requested resource");
        var body = (await JsonNode.ParseAsync(h.Request.Body))!.AsObject();
        string name = body["metadata"]!["name"]!.GetValue<string>();
        lock (_gate)
        {
            if (_objects.ContainsKey((resource, ns, name)))
                return Status(409, "AlreadyExists", $"services.serving.knative.dev \"{name}\" already exists");
            Put(resource, body, ns);
        }
        var created = Get(resource, name, ns)!;
        if (resource == "services" && ServiceCreated is { } controller) _ = Task.Run(() => controller(created));
        return Results.Text(created.ToJsonString(), "application/json", statusCode: 201);
    }

    private IResult DeleteRequest(string resource, string ns, string name) => Delete(resource, name, ns)
        ? Results.Json(new { kind = "Status", apiVersion = "v1", status = "Success", details = new { name, kind = resource } })
        : Status(404, "NotFound", $"{resource}.serving.knative.dev \"{name}\" not found");

    private static IResult Status(int code, string reason, string message) =>
        Results.Text(JsonSerializer.Serialize(new { kind = "Status", apiVersion = "v1", metadata = new { }, status = "Failure", message, reason, code }),
            "application/json", statusCode: code);

    public async ValueTask DisposeAsync()
    {
        CloseWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
