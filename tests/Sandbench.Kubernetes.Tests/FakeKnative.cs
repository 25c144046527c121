using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Sandbench.Kubernetes.Tests;

/// <summary>
/// Stands in for Knative Serving on the fake API server, following the Serving API documents: a Service gets a Route
/// and a Revision (NAME-00001) whose Deployment scales by the autoscaler; conditions type Ready, status True/False.
/// Its ingress (Kestrel on 127.0.0.1) routes by Host (NAME.NAMESPACE.example.com): a request to a Service at zero
/// scales its Deployment to one, walks the pod through its conditions (each one its own event), then answers.
/// </summary>
internal sealed class FakeKnative : IAsyncDisposable
{
    /// <summary>Services with this image never become Ready (their revision fails), as with an image that cannot be pulled.</summary>
    public const string BrokenImage = "registry.invalid/broken:latest";

    private readonly FakeApiServer _api;
    private readonly WebApplication _ingress;
    private int _pods;

    public FakeKnative(FakeApiServer api)
    {
        _api = api;
        api.ServiceCreated = Reconcile;
        _ingress = LoopbackApp.Build();
        _ingress.Run(Route);
    }

    /// <summary>After becoming Ready and after answering, the Service scales back to zero at once (no stable window).</summary>
    public bool ScaleToZero { get; set; } = true;

    /// <summary>Requests the ingress answered.</summary>
    public int Answered;

    public string Gateway { get; private set; } = "";

    public async Task StartAsync()
    {
        await _ingress.StartAsync();
        var u = new Uri(_ingress.Urls.First());
        Gateway = $"127.0.0.1:{u.Port}";
    }

    private static JsonObject Labels(string service) => new() { ["serving.knative.dev/service"] = service };

    private static JsonObject Ready(bool ok, string? message = null) => new()
    {
        ["conditions"] = new JsonArray(new JsonObject
        {
            ["type"] = "Ready", ["status"] = ok ? "True" : "False", ["lastTransitionTime"] = FakeApiServer.Stamp(),
            ["reason"] = ok ? null : "RevisionFailed", ["message"] = message,
        }),
    };

    private void Reconcile(JsonObject svc)
    {
        string name = svc["metadata"]!["name"]!.GetValue<string>();
        string ns = svc["metadata"]!["namespace"]!.GetValue<string>();
        var template = svc["spec"]!["template"]!;
        string image = template["spec"]!["containers"]![0]!["image"]!.GetValue<string>();
        string revision = $"{name}-00001";
        var labels = Labels(name);
        foreach (var (k, v) in template["metadata"]?["labels"]?.AsObject() ?? []) labels[k] = v?.DeepClone();
        labels["serving.knative.dev/revision"] = revision;
        _api.Put("routes", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = Labels(name) } }, ns);
        _api.Put("revisions", new JsonObject { ["metadata"] = new JsonObject { ["name"] = revision, ["labels"] = labels.DeepClone() } }, ns);
        _api.Put("deployments", new JsonObject
        {
            ["apiVersion"] = "apps/v1", ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = $"{revision}-deployment", ["labels"] = labels.DeepClone() },
            ["spec"] = new JsonObject { ["replicas"] = 0 },
            ["status"] = new JsonObject(),
        }, ns);
        if (image == BrokenImage)
        {
            string why = $"Revision \"{revision}\" failed with message: Back-off pulling image \"{image}\".";
            _api.Update("revisions", revision, o => o["status"] = Ready(false, why), ns);
            _api.Update("services", name, o => o["status"] = Ready(false, why), ns);
            return;
        }
        ScaleUp(name, ns);
        _api.Update("revisions", revision, o => o["status"] = Ready(true), ns);
        _api.Update("routes", name, o => o["status"] = Ready(true), ns);
        _api.Update("services", name, o =>
        {
            o["status"] = Ready(true);
            o["status"]!["url"] = $"http://{name}.{ns}.example.com";
        }, ns);
        if (ScaleToZero) ScaleDown(name, ns);
    }

    /// <summary>The autoscaler asks for one replica; the pod goes through scheduled, initialized, containers running, ready.</summary>
    private void ScaleUp(string service, string ns)
    {
        string deployment = $"{service}-00001-deployment";
        _api.Update("deployments", deployment, d => d["spec"]!["replicas"] = 1, ns);
        string pod = $"{deployment}-{Interlocked.Increment(ref _pods)}";
        var labels = _api.Get("deployments", deployment, ns)!["metadata"]!["labels"]!.DeepClone();
        _api.Put("pods", new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = pod, ["labels"] = labels },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "user-container", ["image"] = "x" }) },
            ["status"] = new JsonObject { ["phase"] = "Pending", ["conditions"] = new JsonArray() },
        }, ns);
        foreach (var condition in new[] { "PodScheduled", "Initialized", "Started", "Ready" })
        {
            _api.Update("pods", pod, p =>
            {
                var status = p["status"]!.AsObject();
                if (condition == "Started")
                {
                    status["phase"] = "Running";
                    status["containerStatuses"] = new JsonArray(
                        new JsonObject { ["name"] = "user-container", ["ready"] = false, ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = FakeApiServer.Stamp() } } },
                        new JsonObject { ["name"] = "queue-proxy", ["ready"] = false, ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = FakeApiServer.Stamp() } } });
                    return;
                }
                status["conditions"]!.AsArray().Add(new JsonObject { ["type"] = condition, ["status"] = "True", ["lastTransitionTime"] = FakeApiServer.Stamp() });
            }, ns);
        }
        _api.Update("deployments", deployment, d => d["status"] = new JsonObject { ["replicas"] = 1, ["readyReplicas"] = 1 }, ns);
    }

    private void ScaleDown(string service, string ns)
    {
        string deployment = $"{service}-00001-deployment";
        _api.Update("deployments", deployment, d =>
        {
            d["spec"]!["replicas"] = 0;
            d["status"] = new JsonObject();
        }, ns);
        foreach (var pod in _api.All("pods").Where(p => p["metadata"]!["labels"]!["serving.knative.dev/service"]!.GetValue<string>() == service))
            _api.Delete("pods", pod["metadata"]!["name"]!.GetValue<string>(), ns);
    }

    private async Task Route(HttpContext h)
    {
        string host = h.Request.Host.Host;
        var parts = host.Split('.');
        var svc = parts.Length >= 2 ? _api.Get("services", parts[0], parts[1]) : null;
        if (svc is null || svc["status"]?["url"] is null)
        {
            h.Response.StatusCode = 404;
            return;
        }
        string ns = parts[1];
        if (_api.Get("deployments", $"{parts[0]}-00001-deployment", ns)?["spec"]?["replicas"]?.GetValue<int>() is null or 0) ScaleUp(parts[0], ns);
        if (ScaleToZero) h.Response.OnCompleted(() => Task.Run(() => ScaleDown(parts[0], ns)));
        Interlocked.Increment(ref Answered);
        await h.Response.WriteAsync("Hello Sandbench!\n");
    }

    public async ValueTask DisposeAsync()
    {
        await _ingress.StopAsync();
        await _ingress.DisposeAsync();
    }
}
