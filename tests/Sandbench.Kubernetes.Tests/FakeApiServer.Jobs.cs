using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Sandbench.Kubernetes.Tests;

/// <summary>
/// batch/v1 Jobs on the fake API server (create, 409 on an existing name, list, delete with their pods) and a pod's
/// log (GET pods/NAME/log, plain text, as the API serves it). <see cref="JobCreated"/> stands in for the Job controller.
/// </summary>
internal sealed partial class FakeApiServer
{
    /// <summary>Called (off the request) after a Job was created: the fake Job controller.</summary>
    public Action<JsonObject>? JobCreated { get; set; }

    /// <summary>When set, a Job's creation is answered only once this completes (the Job exists and its controller runs meanwhile).</summary>
    public Task? JobCreateAnswered { get; set; }

    /// <summary>Each pod's log, by namespace and name.</summary>
    public ConcurrentDictionary<(string Ns, string Pod), string> Logs { get; } = new();

    private void MapJobs()
    {
        _app.MapGet("/apis/batch/v1/namespaces/{ns}/jobs", (HttpContext h, string ns) => ListOrWatch(h, "jobs", ns));
        _app.MapPost("/apis/batch/v1/namespaces/{ns}/jobs", async (HttpContext h, string ns) =>
        {
            var body = (await JsonNode.ParseAsync(h.Request.Body))!.AsObject();
            string name = body["metadata"]!["name"]!.GetValue<string>();
            lock (_gate)
            {
                if (_objects.ContainsKey(("jobs", ns, name))) return Status(409, "AlreadyExists", $"jobs.batch \"{name}\" already exists");
                Put("jobs", body, ns);
            }
            var created = Get("jobs", name, ns)!;
            if (JobCreated is { } controller) _ = Task.Run(() => controller(created));
            if (JobCreateAnswered is { } answered) await answered;
            return Results.Text(created.ToJsonString(), "application/json", statusCode: 201);
        });
        _app.MapDelete("/apis/batch/v1/namespaces/{ns}/jobs/{name}", (string ns, string name) => Delete("jobs", name, ns)
            ? Results.Json(new { kind = "Status", apiVersion = "v1", status = "Success", details = new { name, group = "batch", kind = "jobs" } })
            : Status(404, "NotFound", $"jobs.batch \"{name}\" not found"));
        _app.MapGet("/api/v1/namespaces/{ns}/pods/{name}/log", (string ns, string name) => Logs.TryGetValue((ns, name), out var log)
            ? Results.Text(log, "text/plain")
            : Status(404, "NotFound", $"pods \"{name}\" not found"));
    }
}
