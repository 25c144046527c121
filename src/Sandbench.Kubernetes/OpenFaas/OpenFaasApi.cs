using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sandbench.Kubernetes.OpenFaas;

/// <summary>A function as GET /system/functions and /system/function/NAME describe it (the fields read here).</summary>
internal sealed record FunctionStatus(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("image")] string? Image,
    [property: JsonPropertyName("namespace")] string? Namespace,
    [property: JsonPropertyName("replicas")] long Replicas,
    [property: JsonPropertyName("availableReplicas")] long AvailableReplicas,
    [property: JsonPropertyName("labels")] Dictionary<string, string>? Labels);

/// <summary>What the gateway says it is (GET /system/info).</summary>
internal sealed record GatewayInfo(string Provider, string Orchestration, string? ProviderVersion, string? GatewayVersion);

/// <summary>A non-success answer from the gateway: its status code and the body it sent, which says why.</summary>
internal sealed class GatewayException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>
/// The OpenFaaS gateway's REST API (api-docs/spec.openapi.yml in openfaas/faas): deploy, update, delete, status, scale
/// and list under /system with basic auth, and invocation under /function/NAME. Bodies are the documented JSON.
/// </summary>
internal sealed class OpenFaasApi : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly HttpClient _http;

    public OpenFaasApi(OpenFaasSettings settings, HttpMessageHandler? handler = null)
    {
        Settings = settings;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { UseProxy = false }) { BaseAddress = settings.Gateway, Timeout = Timeout.InfiniteTimeSpan };
        if (settings.Password is { } pw)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.User}:{pw}")));
    }

    public OpenFaasSettings Settings { get; }

    /// <summary>The path that invokes a function (…/function/NAME, or NAME.NAMESPACE when the profile names one).</summary>
    public string FunctionPath(string name) => Settings.Namespace is { } ns ? $"function/{name}.{ns}" : $"function/{name}";

    public async Task<GatewayInfo> InfoAsync(CancellationToken ct)
    {
        using var r = await SendAsync(HttpMethod.Get, "system/info", null, ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        var root = doc.RootElement;
        static string? Str(JsonElement e, params string[] path)
        {
            foreach (var p in path)
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return null;
            return e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        }
        return new GatewayInfo(Str(root, "provider", "provider") ?? "unknown provider", Str(root, "provider", "orchestration") ?? "unknown",
            Str(root, "provider", "version", "release"), Str(root, "version", "release"));
    }

    /// <summary>Deploys a function (POST /system/functions, 202 Accepted).</summary>
    public async Task DeployAsync(string name, string runId, CancellationToken ct)
    {
        var s = Settings;
        var body = new Dictionary<string, object>
        {
            ["service"] = name,
            ["image"] = s.Image,
            ["labels"] = s.Labels(runId),
        };
        if (s.Process is { } process) body["envProcess"] = process;
        if (s.Namespace is { } ns) body["namespace"] = ns;
        if (s.Profile is { } profile) body["annotations"] = new Dictionary<string, string> { ["com.openfaas.profile"] = profile };
        using var _ = await SendAsync(HttpMethod.Post, "system/functions", body, ct).ConfigureAwait(false);
    }

    /// <summary>Deletes a function (DELETE /system/functions); false when it was not there (404).</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        var body = new Dictionary<string, string> { ["functionName"] = name };
        if (Settings.Namespace is { } ns) body["namespace"] = ns;
        try
        {
            using var _ = await SendAsync(HttpMethod.Delete, "system/functions", body, ct).ConfigureAwait(false);
            return true;
        }
        catch (GatewayException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>A function's replicas (GET /system/function/NAME); null when there is no such function (404).</summary>
    public async Task<FunctionStatus?> StatusAsync(string name, CancellationToken ct)
    {
        try
        {
            using var r = await SendAsync(HttpMethod.Get, $"system/function/{Uri.EscapeDataString(name)}{NamespaceQuery()}", null, ct).ConfigureAwait(false);
            return await r.Content.ReadFromJsonAsync<FunctionStatus>(Json, ct).ConfigureAwait(false);
        }
        catch (GatewayException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Sets a function's replicas (POST /system/scale-function/NAME).</summary>
    public async Task ScaleAsync(string name, int replicas, CancellationToken ct)
    {
        var body = new Dictionary<string, object> { ["serviceName"] = name, ["replicas"] = replicas };
        if (Settings.Namespace is { } ns) body["namespace"] = ns;
        using var _ = await SendAsync(HttpMethod.Post, $"system/scale-function/{Uri.EscapeDataString(name)}", body, ct).ConfigureAwait(false);
    }

    /// <summary>The functions that carry the run label (any run, or <paramref name="runId"/>), with the run of each.</summary>
    public async Task<IReadOnlyList<(string Name, string Run)>> LabelledAsync(string? runId, CancellationToken ct)
    {
        var all = await ListAsync(ct).ConfigureAwait(false);
        return [.. all.Select(f => (f.Name, Run: f.Labels is { } l && l.TryGetValue(Resources.RunLabel, out var run) ? run : null))
            .Where(f => f.Run is { Length: > 0 } && (runId is null || f.Run == runId)).Select(f => (f.Name, f.Run!))];
    }

    /// <summary>Every function in the namespace with its replicas (GET /system/functions).</summary>
    public async Task<IReadOnlyList<FunctionStatus>> ListAsync(CancellationToken ct)
    {
        using var r = await SendAsync(HttpMethod.Get, $"system/functions{NamespaceQuery()}", null, ct).ConfigureAwait(false);
        return await r.Content.ReadFromJsonAsync<List<FunctionStatus>>(Json, ct).ConfigureAwait(false) ?? [];
    }

    private string NamespaceQuery() => Settings.Namespace is { } ns ? $"?namespace={Uri.EscapeDataString(ns)}" : "";

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body, options: Json);
        var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            string text = (await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)).Trim();
            if (text.Length > 300) text = text[..300] + "…";
            string why = response.StatusCode == HttpStatusCode.Unauthorized
                ? $"the gateway refused the credentials (user '{Settings.User}', password from {Settings.PasswordSource}; set option 'password-file' or OPENFAAS_PASSWORD)"
                : text.Length > 0 ? text : response.ReasonPhrase ?? "";
            throw new GatewayException(response.StatusCode, $"{method} /{path}: HTTP {(int)response.StatusCode}: {why}");
        }
    }

    public void Dispose() => _http.Dispose();
}
