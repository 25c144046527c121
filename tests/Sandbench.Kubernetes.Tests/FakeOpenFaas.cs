using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Sandbench.Kubernetes.Tests;

/// <summary>
/// An OpenFaaS gateway with its provider, written from the gateway's OpenAPI document (openfaas/faas
/// api-docs/spec.openapi.yml): /system/* behind basic auth (info, functions: list, deploy 202, delete 200 or 404,
/// function status or 404, scale-function), and /function/NAME, which scales a function at zero to one replica and
/// holds the request until it is available (the gateway's scale from zero). A replica becomes available
/// <see cref="StartDelay"/> after it is asked for, as a pod would once started.
/// </summary>
internal sealed class FakeOpenFaas : IAsyncDisposable
{
    /// <summary>Functions with this image never get an available replica (its pull fails).</summary>
    public const string BrokenImage = "registry.invalid/broken:latest";

    public const string Password = "fake-password";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Function> _functions = new(StringComparer.Ordinal);

    private sealed class Function(JsonObject deployment)
    {
        public JsonObject Deployment { get; } = deployment;
        public int Replicas;
        public int Available;
        public int Generation;
        public int Invocations;
        public TaskCompletionSource Up { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public FakeOpenFaas()
    {
        _app = LoopbackApp.Build();
        _app.Use(async (h, next) =>
        {
            if (h.Request.Path.StartsWithSegments("/system") && h.Request.Headers.Authorization.ToString()
                    != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{Password}")))
            {
                h.Response.StatusCode = 401;
                h.Response.Headers.WWWAuthenticate = "Basic realm=\"Restricted\"";
                await h.Response.WriteAsync("invalid credentials\n");
                return;
            }
            await next(h);
        });
        _app.MapGet("/healthz", () => Results.Text("OK"));
        _app.MapGet("/system/info", () => Results.Json(new
        {
            provider = new { provider = "faas-netes-fake", orchestration = "kubernetes", version = new { release = "0.18.13", sha = "fake" } },
            version = new { release = "0.27.12", sha = "fake" },
            arch = "x86_64",
        }));
        _app.MapGet("/system/functions", () => Results.Json(_functions.Values.Select(Status).ToList()));
        _app.MapPost("/system/functions", async (HttpContext h) =>
        {
            var body = (await JsonNode.ParseAsync(h.Request.Body))!.AsObject();
            string name = body["service"]!.GetValue<string>();
            var f = new Function(body);
            if (!_functions.TryAdd(name, f)) return Results.Text($"function {name} already exists", statusCode: 400);
            Deployed.Add(body);
            int min = body["labels"]?["com.openfaas.scale.min"] is { } m ? int.Parse(m.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) : 1;
            Scale(f, Math.Max(min, 1));
            return Results.StatusCode(202);
        });
        _app.MapDelete("/system/functions", async (HttpContext h) =>
        {
            var body = (await JsonNode.ParseAsync(h.Request.Body))!.AsObject();
            string name = body["functionName"]!.GetValue<string>();
            return _functions.TryRemove(name, out _) ? Results.Ok() : Results.Text($"function {name} not found", statusCode: 404);
        });
        _app.MapGet("/system/function/{name}", (string name) =>
            _functions.TryGetValue(name, out var f) ? Results.Json(Status(f)) : Results.Text($"function {name} not found", statusCode: 404));
        _app.MapPost("/system/scale-function/{name}", async (HttpContext h, string name) =>
        {
            var body = (await JsonNode.ParseAsync(h.Request.Body))!.AsObject();
            if (!_functions.TryGetValue(name, out var f)) return Results.Text($"function {name} not found", statusCode: 404);
            Scale(f, body["replicas"]!.GetValue<int>());
            return Results.StatusCode(202);
        });
        _app.Map("/function/{name}", Invoke);
    }

    /// <summary>How long a replica takes from being asked for to being available.</summary>
    public TimeSpan StartDelay { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>While set, an invocation is held here after its function is available (to interrupt a trial mid-request).</summary>
    public Task? Hold { get; set; }

    /// <summary>Completes when an invocation reached <see cref="Hold"/>.</summary>
    public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every deployment body accepted, in order.</summary>
    public ConcurrentBag<JsonObject> Deployed { get; } = [];

    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    public IReadOnlyCollection<string> Names => [.. _functions.Keys];

    public int Invocations(string name) => _functions.TryGetValue(name, out var f) ? Volatile.Read(ref f.Invocations) : 0;

    public async Task StartAsync()
    {
        await _app.StartAsync();
        Url = new Uri(_app.Urls.First() + "/");
    }

    /// <summary>Adds a function as another client would (no replica wait), labelled with <paramref name="run"/> when there is one.</summary>
    public void Add(string name, string? run) => _functions[name] = new Function(new JsonObject
    {
        ["service"] = name, ["image"] = "x", ["labels"] = run is null ? new JsonObject { ["app"] = name } : new JsonObject { [Resources.RunLabel] = run },
    });

    private static object Status(Function f) => new
    {
        name = f.Deployment["service"]!.GetValue<string>(),
        image = f.Deployment["image"]!.GetValue<string>(),
        @namespace = "openfaas-fn",
        labels = f.Deployment["labels"],
        invocationCount = Volatile.Read(ref f.Invocations),
        replicas = Volatile.Read(ref f.Replicas),
        availableReplicas = Volatile.Read(ref f.Available),
    };

    /// <summary>Sets the desired replicas: down at once (pods gone), up after <see cref="StartDelay"/>.</summary>
    private void Scale(Function f, int replicas)
    {
        int generation;
        lock (f)
        {
            generation = ++f.Generation;
            f.Replicas = replicas;
            if (replicas == 0)
            {
                f.Available = 0;
                if (f.Up.Task.IsCompleted) f.Up = new(TaskCreationOptions.RunContinuationsAsynchronously);
                return;
            }
        }
        if (f.Deployment["image"]!.GetValue<string>() == BrokenImage) return;
        _ = Task.Delay(StartDelay).ContinueWith(_ =>
        {
            lock (f)
            {
                if (f.Generation != generation) return;
                f.Available = f.Replicas;
                f.Up.TrySetResult();
            }
        }, TaskScheduler.Default);
    }

    private async Task<IResult> Invoke(HttpContext h, string name)
    {
        // NAME or NAME.NAMESPACE
        if (name.Contains('.', StringComparison.Ordinal)) name = name[..name.IndexOf('.', StringComparison.Ordinal)];
        if (!_functions.TryGetValue(name, out var f)) return Results.Text($"error finding function {name}.openfaas-fn: server returned non-200 status code: 404", statusCode: 502);
        Task up;
        lock (f)
        {
            if (f.Replicas == 0) Scale(f, 1);
            up = f.Up.Task;
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(h.RequestAborted);
        limit.CancelAfter(TimeSpan.FromSeconds(20));
        await up.WaitAsync(limit.Token);
        if (Hold is { } hold)
        {
            Holding.TrySetResult();
            await hold.WaitAsync(h.RequestAborted);
        }
        Interlocked.Increment(ref f.Invocations);
        return Results.Text("hello\n");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
