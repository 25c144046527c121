using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Gateway.Tests;

/// <summary>
/// A runtime whose "sandbox" is an in-process HTTP server on the PORT the gateway gives it, so protocol
/// tests can see exactly what reached the function and shape what it answers:
/// <c>/echo</c> (Content-Length: method, path, Host, X-Test, body length), <c>/chunked</c> (three flushed chunks),
/// <c>/hold</c> (answers once <see cref="Release"/> is called).
/// </summary>
internal sealed class FakeRuntime : IRuntime
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RuntimeProfile Profile { get; } = new("fake", "process", new Dictionary<string, string>());

    public RuntimeCapabilities Capabilities { get; } = new(SocketActivation: false, SharesHostClock: false, HostLoopback: true);

    /// <summary>Connections the functions accepted (to see the gateway keep its upstream connections alive).</summary>
    public ConcurrentDictionary<string, int> Connections { get; } = new();

    public static Artifact Artifact { get; } = new("fake", "/bin/true", "/", "/bin/true", "fake", 0, []);

    public void Release() => _gate.TrySetResult();

    public Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct) =>
        Task.FromResult(new RuntimeProbe("fake", "process", true, "1", true, null, "built in"));

    public async Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct)
    {
        phases.Mark(Phases.Spawn);
        int port = int.Parse(spec.Environment["PORT"], CultureInfo.InvariantCulture);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port);
        });
        builder.Services.AddLogging();
        var app = builder.Build();
        app.Run(ctx => ServeAsync(ctx, spec.Name));
        await app.StartAsync(ct);
        return new FakeSandbox(spec.Name, app);
    }

    private async Task ServeAsync(HttpContext ctx, string sandbox)
    {
        Connections.AddOrUpdate(ctx.Connection.Id, 1, (_, n) => n + 1);
        ctx.Response.Headers["X-Upstream"] = sandbox;
        switch (ctx.Request.Path.Value)
        {
            case "/chunked":
                foreach (var part in new[] { "one,", "two,", "three" })
                {
                    await ctx.Response.WriteAsync(part);
                    await ctx.Response.Body.FlushAsync();
                }
                return;
            case "/hold":
                await _gate.Task;
                await ctx.Response.WriteAsync("held");
                return;
            default:
                using (var body = new MemoryStream())
                {
                    await ctx.Request.Body.CopyToAsync(body);
                    string text = $"method={ctx.Request.Method} path={ctx.Request.Path}{ctx.Request.QueryString} host={ctx.Request.Host} "
                        + $"x-test={ctx.Request.Headers["X-Test"]} body={body.Length}";
                    ctx.Response.ContentLength = text.Length;
                    await ctx.Response.WriteAsync(text);
                }
                return;
        }
    }

    private sealed class FakeSandbox(string name, WebApplication app) : ISandbox
    {
        public string Name { get; } = name;

        public IReadOnlyList<int> ProcessIds { get; } = [];

        public bool HasExited(out string reason)
        {
            reason = "";
            return false;
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
