using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Sandbench.Kubernetes.Tests;

/// <summary>
/// Knative Eventing's objects on the fake API server (eventing.knative.dev/v1 Brokers: read; Triggers: create with 409,
/// read, list, delete with 404) and plain v1 Services (create with 409, list, delete with 404; stored as "v1services"
/// apart from Knative's). Off (<see cref="EventingInstalled"/> false), eventing.knative.dev answers 404, as on a cluster
/// without Knative Eventing. <see cref="TriggerCreated"/> stands in for Eventing's controller.
/// </summary>
internal sealed partial class FakeApiServer
{
    public const string PlainServices = "v1services";

    public bool EventingInstalled { get; set; } = true;

    /// <summary>Every Trigger's DELETE answers 500, as an API server with a failing webhook does.</summary>
    public bool TriggerDeletesFail { get; set; }

    /// <summary>Called (off the request) after a Trigger was created: the fake Eventing controller.</summary>
    public Action<JsonObject>? TriggerCreated { get; set; }

    private void MapEventing()
    {
        const string group = "/apis/eventing.knative.dev/v1/namespaces/{ns}";
        _app.MapGet(group + "/brokers/{name}", (string ns, string name) => Read("brokers", ns, name, "brokers.eventing.knative.dev"));
        _app.MapGet(group + "/triggers/{name}", (string ns, string name) => Read("triggers", ns, name, "triggers.eventing.knative.dev"));
        _app.MapGet(group + "/triggers", async (HttpContext h, string ns) =>
        {
            if (!EventingInstalled) await Status(404, "NotFound", "the server could not find the requested resource").ExecuteAsync(h);
            else await ListOrWatch(h, "triggers", ns);
        });
        _app.MapPost(group + "/triggers", async (HttpContext h, string ns) =>
        {
            if (!EventingInstalled) return Status(404, "NotFound", "the server could not find the requested resource");
            var created = await CreateNamed(h, "triggers", ns);
            if (created is null) return Status(409, "AlreadyExists", "triggers.eventing.knative.dev already exists");
            if (TriggerCreated is { } controller) _ = Task.Run(() => controller(created));
            return Results.Text(created.ToJsonString(), "application/json", statusCode: 201);
        });
        _app.MapDelete(group + "/triggers/{name}", (string ns, string name) => TriggerDeletesFail ? Status(500, "InternalError", "admission webhook failed")
            : !EventingInstalled || !Delete("triggers", name, ns)
            ? Status(404, "NotFound", $"triggers.eventing.knative.dev \"{name}\" not found")
            : Results.Json(new { kind = "Status", apiVersion = "v1", status = "Success" }));

        _app.MapGet("/api/v1/namespaces/{ns}/services", (HttpContext h, string ns) => ListOrWatch(h, PlainServices, ns));
        _app.MapPost("/api/v1/namespaces/{ns}/services", async (HttpContext h, string ns) =>
        {
            var created = await CreateNamed(h, PlainServices, ns);
            return created is null
                ? Status(409, "AlreadyExists", "services already exists")
                : Results.Text(created.ToJsonString(), "application/json", statusCode: 201);
        });
        // A Service's DELETE answers with the object as it was (the typed client reads a V1Service).
        _app.MapDelete("/api/v1/namespaces/{ns}/services/{name}", (string ns, string name) => Get(PlainServices, name, ns) is { } gone && Delete(PlainServices, name, ns)
            ? Results.Text(gone.ToJsonString(), "application/json")
            : Status(404, "NotFound", $"services \"{name}\" not found"));
    }

    private IResult Read(string resource, string ns, string name, string kind) =>
        EventingInstalled && Get(resource, name, ns) is { } o
            ? Results.Text(o.ToJsonString(), "application/json")
            : Status(404, "NotFound", EventingInstalled ? $"{kind} \"{name}\" not found" : "the server could not find the requested resource");

    /// <summary>Stores the posted object; null when one of its name exists (409).</summary>
    private async Task<JsonObject?> CreateNamed(HttpContext h, string resource, string ns)
    {
        var body = (await JsonNode.ParseAsync(h.Request.Body))!.AsObject();
        string name = body["metadata"]!["name"]!.GetValue<string>();
        lock (_gate)
        {
            if (_objects.ContainsKey((resource, ns, name))) return null;
            Put(resource, body, ns);
        }
        return Get(resource, name, ns);
    }
}
