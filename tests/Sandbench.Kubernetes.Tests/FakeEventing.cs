using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Sandbench.Kubernetes.Tests;

/// <summary>
/// Stands in for Knative Eventing on the fake API server, from the Eventing API documents: a Broker <c>default</c> that is
/// Ready with <c>status.address.url</c>; a created Trigger turns Ready (or stays not Ready with a reason); the Broker's
/// ingress (Kestrel on 127.0.0.1) answers 202 to every event as it takes it in, and then passes each on to every Ready
/// Trigger of that Broker whose filter attributes all match, by POSTing the same request (CloudEvents headers and body)
/// to the subscriber: a plain Service, whose endpoint is the pod's sink registered in <see cref="SinkPorts"/>. An event no
/// Trigger wants is dropped, as a Broker does.
/// </summary>
internal sealed class FakeEventing : IAsyncDisposable
{
    private readonly FakeApiServer _api;
    private readonly WebApplication _ingress;
    private readonly HttpClient _client = new();

    public FakeEventing(FakeApiServer api)
    {
        _api = api;
        api.TriggerCreated = Reconcile;
        _ingress = LoopbackApp.Build();
        _ingress.Run(IngressAsync);
    }

    /// <summary>Where each sink Service's endpoint listens on 127.0.0.1, by Service name (what kube-proxy would route to).</summary>
    public ConcurrentDictionary<string, int> SinkPorts { get; } = new(StringComparer.Ordinal);

    /// <summary>Null: Triggers turn Ready. Else they stay not Ready with this message (as with a subscriber that cannot be resolved).</summary>
    public string? TriggerProblem { get; set; }

    /// <summary>False: the Broker takes events in (202) and never delivers them.</summary>
    public bool Deliver { get; set; } = true;

    /// <summary>How long each event waits in the Broker before it is passed on.</summary>
    public TimeSpan Delay { get; set; }

    public int Delivered;

    public string BrokerUrl { get; private set; } = "";

    public async Task StartAsync()
    {
        await _ingress.StartAsync();
        BrokerUrl = new Uri(new Uri(_ingress.Urls.First()), "/default/default").ToString();
        _api.Put("brokers", new JsonObject
        {
            ["apiVersion"] = "eventing.knative.dev/v1", ["kind"] = "Broker",
            ["metadata"] = new JsonObject { ["name"] = "default" },
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
                ["address"] = new JsonObject { ["url"] = BrokerUrl },
            },
        });
    }

    private void Reconcile(JsonObject trigger)
    {
        string name = trigger["metadata"]!["name"]!.GetValue<string>();
        string ns = trigger["metadata"]!["namespace"]!.GetValue<string>();
        var ready = TriggerProblem is { } problem
            ? new JsonObject { ["type"] = "Ready", ["status"] = "False", ["reason"] = "SubscriberResolveFailed", ["message"] = problem }
            : new JsonObject { ["type"] = "Ready", ["status"] = "True" };
        _api.Update("triggers", name, t => t["status"] = new JsonObject { ["conditions"] = new JsonArray(ready) }, ns);
    }

    private async Task IngressAsync(HttpContext h)
    {
        long takenIn = Stopwatch.GetTimestamp();
        var parts = h.Request.Path.Value!.Trim('/').Split('/');
        if (h.Request.Method != "POST" || parts.Length != 2)
        {
            h.Response.StatusCode = 404;
            return;
        }
        using var body = new MemoryStream();
        await h.Request.Body.CopyToAsync(body);
        var headers = h.Request.Headers.Where(kv => kv.Key.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
            .Select(kv => (kv.Key, kv.Value.ToString())).ToList();
        string contentType = h.Request.ContentType ?? "application/json";
        var attributes = Attributes(headers, contentType, body.ToArray());
        h.Response.StatusCode = 202;
        if (!Deliver) return;
        var targets = _api.All("triggers").Where(t => t["metadata"]!["namespace"]!.GetValue<string>() == parts[0]
                && t["spec"]!["broker"]!.GetValue<string>() == parts[1]
                && t["status"]?["conditions"]?[0]?["status"]?.GetValue<string>() == "True"
                && (t["spec"]!["filter"]?["attributes"]?.AsObject() ?? []).All(f => attributes.GetValueOrDefault(f.Key) == f.Value!.GetValue<string>()))
            .Select(t => t["spec"]!["subscriber"]!["ref"]!["name"]!.GetValue<string>()).ToList();
        byte[] bytes = body.ToArray();
        foreach (var service in targets) _ = ForwardAsync(service, headers, contentType, bytes, takenIn);
    }

    private async Task ForwardAsync(string service, List<(string Key, string Value)> headers, string contentType, byte[] body, long takenIn)
    {
        // Timers run on a coarse clock (a kernel tick, up to 4 ms, early or late): wait until the precise clock says so.
        while (Stopwatch.GetElapsedTime(takenIn) < Delay) await Task.Delay(1);
        if (!SinkPorts.TryGetValue(service, out int port)) return; // no endpoint: the delivery fails
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        foreach (var (k, v) in headers) request.Headers.TryAddWithoutValidation(k, v);
        try
        {
            using var response = await _client.SendAsync(request);
            if (response.IsSuccessStatusCode) Interlocked.Increment(ref Delivered);
        }
        catch (HttpRequestException)
        {
            // The sink has stopped: a Broker would retry or dead-letter; the event is lost here.
        }
    }

    /// <summary>The event's context attributes: ce-* headers (binary mode) or the JSON members (structured mode).</summary>
    private static Dictionary<string, string> Attributes(List<(string Key, string Value)> headers, string contentType, byte[] body)
    {
        var a = new Dictionary<string, string>(StringComparer.Ordinal);
        if (contentType.StartsWith("application/cloudevents+json", StringComparison.OrdinalIgnoreCase))
        {
            using var doc = JsonDocument.Parse(body);
            foreach (var p in doc.RootElement.EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.String) a[p.Name] = p.Value.GetString()!;
        }
        else
        {
            foreach (var (k, v) in headers) a[k[3..].ToLowerInvariant()] = v;
        }
        return a;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _ingress.DisposeAsync();
    }
}
