using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sandbench.Core;
using Sandbench.Core.Gateway;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Yarp.ReverseProxy.Forwarder;

namespace Sandbench.Gateway;

/// <summary>Configuration of a gateway: its services and where it listens.</summary>
/// <param name="Services">Routed by the Host header's first label, else the first path segment (stripped); a single service takes everything else too.</param>
/// <param name="WorkDir">Scratch directory for the sandboxes' files (one subdirectory each).</param>
/// <param name="SandboxPrefix">Sandbox names are this plus <c>-N</c> (with several services, <c>-sS-N</c>: S the service's number).</param>
/// <param name="Clock">The measurement clock.</param>
public sealed record GatewayOptions(IReadOnlyList<GatewayService> Services, string WorkDir, string SandboxPrefix, MonotonicClock Clock)
{
    /// <summary>Drives idle windows and timeouts (a fake one in tests).</summary>
    public TimeProvider ScalingTime { get; init; } = TimeProvider.System;

    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    public IReadOnlyList<IGatewayObserver> Observers { get; init; } = [];

    /// <summary>
    /// Before listening is announced, start one sandbox per service, send it one request and stop it, unrecorded: the first
    /// recorded cold start then does not also carry the first compilation of the runtime's start path in this process.
    /// </summary>
    public bool WarmUpSandboxes { get; init; }

    /// <summary>Keep every request's record in memory for <see cref="GatewayServer.Requests"/> (off for long-running gateways that store them).</summary>
    public bool KeepRequests { get; init; } = true;
}

/// <summary>
/// The local gateway: Kestrel on 127.0.0.1 takes requests, a <see cref="ServicePool"/> per service finds (or
/// starts) a sandbox, and YARP's forwarder relays the request and the response. Every request is recorded.
/// </summary>
public sealed partial class GatewayServer : IGatewayHandle
{
    private readonly GatewayOptions _options;
    private readonly Dictionary<string, ServicePool> _pools;
    private readonly IGatewayObserver _observer;
    private readonly List<GatewayRequestRecord> _requests = [];
    private readonly Lock _gate = new();
    private readonly string _warmupToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private WebApplication? _app;
    private IHttpForwarder? _forwarder;
    private int _disposed;

    private GatewayServer(GatewayOptions options)
    {
        _options = options;
        _observer = new Observers(options.Observers);
        // Sandbox names are unique across services: with several, each service's carry its number (PREFIX-sN-M).
        _pools = options.Services.Select((s, i) => (s, i)).ToDictionary(x => x.s.Name,
            x => new ServicePool(x.s, options.WorkDir, options.Services.Count == 1 ? options.SandboxPrefix : $"{options.SandboxPrefix}-s{x.i + 1}",
                options.Clock, options.ScalingTime, _observer), StringComparer.OrdinalIgnoreCase);
    }

    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    public IReadOnlyList<GatewayRequestRecord> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    public IReadOnlyList<GatewaySandboxRecord> Sandboxes => [.. _pools.Values.SelectMany(p => p.Ended).OrderBy(s => s.StartNs)];

    public int LiveSandboxes => _pools.Values.Sum(p => p.Live);

    /// <summary>Requests waiting for a free sandbox now.</summary>
    public int Waiting => _pools.Values.Sum(p => p.Waiting);

    /// <summary>The most sandboxes each service had at once.</summary>
    public IReadOnlyDictionary<string, int> PeakSandboxes => _pools.ToDictionary(p => p.Key, p => p.Value.Peak);

    /// <summary>Listens on 127.0.0.1 and warms its own request path up (so the first real request is not also the first JIT compilation).</summary>
    /// <exception cref="SandbenchException">Bad options, or the port cannot be had.</exception>
    public static async Task<GatewayServer> StartAsync(GatewayOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Services.SelectMany(s => s.Scaling.Validate().Select(p => $"service {s.Name}: {p}")).ToList();
        if (options.Services.Count == 0) problems.Add("a gateway needs at least one service");
        if (options.Services.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } dup)
            problems.Add($"service '{dup.Key}' is defined twice");
        if (options.Port is < 0 or > 65535) problems.Add($"port must be from 0 to 65535, got {options.Port}");
        if (problems.Count > 0) throw new SandbenchException(problems);

        var server = new GatewayServer(options);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, options.Port);
        });
        builder.Services.AddLogging();
        builder.Services.AddHttpForwarder();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        // No host lifetime may take SIGINT/SIGTERM (ConsoleLifetime would): Sandbench's own handler tears the sandboxes down.
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        var app = builder.Build();
        app.Run(server.HandleAsync);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new SandbenchException($"cannot listen on 127.0.0.1:{options.Port}: {e.Message}");
        }
        server._app = app;
        server._forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.EndsWith('/') ? address : address + "/");
        try
        {
            await server.WarmUpAsync(ct).ConfigureAwait(false);
            if (options.WarmUpSandboxes)
                foreach (var (name, pool) in server._pools) await pool.WarmUpAsync(() => server.WarmUpServiceAsync(name, ct)).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return server;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        long arrival = _options.Clock.NowNs();
        bool quiet = false;
        if (ctx.Request.Headers.TryGetValue(WarmupHeader, out var token))
        {
            if (token == _warmupToken)
            {
                await WarmupAnswerAsync(ctx).ConfigureAwait(false);
                return;
            }
            quiet = token == _warmupToken + "-service";
        }
        string method = ctx.Request.Method;
        string path = ctx.Request.Path.Value is { Length: > 0 } p ? p : "/";
        var (pool, rest) = Route(ctx.Request);
        if (pool is null)
        {
            string reason = $"no service for Host '{ctx.Request.Host}' or path '{path}' (services: {string.Join(", ", _pools.Keys)})";
            await Answers.RefuseAsync(ctx, 404, reason).ConfigureAwait(false);
            Record(quiet, new GatewayRequestRecord("", arrival, method, path, null, false, _options.Clock.NowNs() - arrival, null,
                _options.Clock.NowNs() - arrival, 404, reason));
            return;
        }
        if (rest is { } remainder) ctx.Request.Path = remainder;

        Lease lease;
        try
        {
            lease = await pool.AcquireAsync(arrival, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is GatewayRefusedException or OperationCanceledException or InvalidOperationException or IOException
                                      or System.Net.Sockets.SocketException)
        {
            (int status, string reason) = e switch
            {
                GatewayRefusedException r => (r.Status, r.Message),
                OperationCanceledException => (499, "the client went away while it waited for a sandbox"),
                _ => (502, $"cannot start a sandbox: {e.Message}"),
            };
            await Answers.RefuseAsync(ctx, status, reason).ConfigureAwait(false);
            long end = _options.Clock.NowNs();
            Record(quiet, new GatewayRequestRecord(pool.Name, arrival, method, path, null, false, end - arrival, null, end - arrival, status, reason));
            return;
        }

        var state = new ForwardState(pool, lease, _options.Clock);
        ctx.Features.Set(state);
        string? error = null;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, lease.Sandbox.Abort.Token);
            var result = await _forwarder!.SendAsync(ctx, lease.Sandbox.Destination, lease.Sandbox.Client,
                Answers.Config(pool.Scaling.UpstreamTimeout), StampingTransformer.Instance, cts.Token).ConfigureAwait(false);
            if (result != ForwarderError.None)
            {
                error = pool.Explain(lease.Sandbox) ?? Answers.Describe(result, ctx);
                int status = pool.Closed ? 503 : result == ForwarderError.RequestTimedOut ? 504 : 502;
                await Answers.RefuseAsync(ctx, status, error).ConfigureAwait(false);
            }
        }
        finally
        {
            long? ready = pool.Release(lease);
            long done = _options.Clock.NowNs();
            // Cold: the wait lasts until the sandbox could take the request (its readiness), even if the request was sent on before (socket activation).
            long canGo = lease.Cold && ready is { } r ? Math.Max(state.ForwardedNs ?? r, r) : state.ForwardedNs ?? done;
            Record(quiet, new GatewayRequestRecord(pool.Name, arrival, method, path, lease.Sandbox.Name, lease.Cold, canGo - arrival,
                state.FirstByteNs is { } fb ? Math.Max(0, fb - canGo) : null, done - arrival, ctx.Response.StatusCode, error)
            {
                ForwardedNs = state.ForwardedNs,
                FirstByteNs = state.FirstByteNs,
            });
        }
    }

    /// <summary>Host's first label, then the first path segment (stripped), then the only service.</summary>
    private (ServicePool? Pool, PathString? Remainder) Route(HttpRequest request)
    {
        string host = request.Host.Host;
        int dot = host.IndexOf('.', StringComparison.Ordinal);
        if (_pools.TryGetValue(dot < 0 ? host : host[..dot], out var byHost)) return (byHost, null);
        string path = request.Path.Value ?? "";
        if (path.Length > 1)
        {
            int slash = path.IndexOf('/', 1);
            string segment = slash < 0 ? path[1..] : path[1..slash];
            if (_pools.TryGetValue(segment, out var byPath)) return (byPath, new PathString(slash < 0 ? "/" : path[slash..]));
        }
        return _pools.Count == 1 ? (_pools.Values.First(), null) : (null, null);
    }

    private void Record(bool quiet, GatewayRequestRecord record)
    {
        if (quiet) return;
        if (_options.KeepRequests)
            lock (_gate) _requests.Add(record);
        _observer.RequestDone(record);
    }

    /// <summary>Stops listening, answers what waits with 503, tears down every sandbox and waits until they are gone.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var pool in _pools.Values) pool.Close();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var pool in _pools.Values)
        {
            await pool.DrainAsync().ConfigureAwait(false);
            pool.Dispose();
        }
    }
}

/// <summary>A host lifetime that leaves signals alone.</summary>
internal sealed class QuietLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
