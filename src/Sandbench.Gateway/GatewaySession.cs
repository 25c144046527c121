using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Sandbench.Core;
using Sandbench.Core.Execution;
using Sandbench.Core.Gateway;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Gateway;

/// <summary>Everything a gateway run needs from the composition root.</summary>
/// <param name="Store">Where the run, its requests and sandboxes go.</param>
public sealed record GatewaySessionOptions(
    GatewayService Service,
    int Port,
    IResultStore Store,
    IGatewayStore GatewayStore,
    HostInfo Host,
    MonotonicClock Clock,
    string ToolVersion,
    Func<string> NewRunId,
    IArtifactProvider Artifacts);

/// <summary>How a gateway run ended.</summary>
public sealed record GatewaySessionResult(RunInfo Run, int Requests, int SandboxesStarted);

/// <summary>
/// A gateway as a run of its own (<c>sandbench gateway</c>): records a run with its environment, serves
/// until cancelled, writes every request and sandbox to the store as they end (off the request path, in
/// batches), samples the host every second, and on cancellation tears down every sandbox before it
/// closes the run.
/// </summary>
public static class GatewaySession
{
    /// <param name="options">Service, port, store, host.</param>
    /// <param name="display">Hears sandbox starts and stops (for printing).</param>
    /// <param name="listening">Called with the run and the gateway's URL once it listens.</param>
    /// <param name="ct">Ends the session (Ctrl+C).</param>
    public static async Task<GatewaySessionResult> RunAsync(GatewaySessionOptions options, IGatewayObserver display, Action<RunInfo, Uri> listening,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var service = options.Service;
        var probe = await service.Runtime.ProbeAsync(options.Artifacts, ct).ConfigureAwait(false);
        if (!probe.Usable)
            throw new SandbenchException($"runtime {probe.Name} is not usable: {probe.Reason} ({probe.InstallHint})", ExitCodes.RuntimeUnavailable);

        string text = PlanText(service, options.Port);
        var run = new RunInfo(options.NewRunId(), "gateway", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16], text,
            options.Clock.Time.GetUtcNow(), null, RunStatus.Running, options.ToolVersion);
        var environment = new Dictionary<string, string>(options.Host.Capture(options.ToolVersion), StringComparer.Ordinal)
        {
            [$"runtime.{probe.Name}.version"] = probe.Version ?? "unknown",
            [$"runtime.{probe.Name}.usable"] = "yes",
            [$"workload.{service.Artifact.Workload}.hash"] = service.Artifact.ContentHash,
        };
        using var dir = RunDirectory.Create(run.Id);
        var recorder = new Recorder(options.GatewayStore, run.Id);
        // Listening (and the warm-up sandbox) before the run is recorded: a port in use is bad input, not a failed run.
        // Records that arrive meanwhile wait in the recorder's queue until the run exists.
        var server = await GatewayServer.StartAsync(new GatewayOptions([service], dir.Path, $"sb-{run.Id}-g", options.Clock)
        {
            Port = options.Port,
            Observers = [recorder, display],
            KeepRequests = false,
            WarmUpSandboxes = true,
        }, ct).ConfigureAwait(false);
        var status = RunStatus.Completed;
        Task writing = Task.CompletedTask;
        try
        {
            options.Store.BeginRun(run, environment);
            writing = recorder.WriteAsync();
            using var sampler = new HostSampler(options.Clock, options.Host, TimeSpan.FromSeconds(1), m => recorder.Host(options.Store, m));
            listening(run, server.Url);
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C: the normal end of a gateway run.
        }
        catch
        {
            status = RunStatus.Failed;
            throw;
        }
        finally
        {
            await server.DisposeAsync().ConfigureAwait(false);
            recorder.Complete();
            await writing.ConfigureAwait(false);
            options.Store.FinishRun(run.Id, status, options.Clock.Time.GetUtcNow());
        }
        int requests = recorder.Requests, started = recorder.Sandboxes;
        return new GatewaySessionResult(run with { Status = status }, requests, started);
    }

    /// <summary>The run's "plan": what the gateway was started with, stored with the run.</summary>
    private static string PlanText(GatewayService s, int port)
    {
        var c = CultureInfo.InvariantCulture;
        var k = s.Scaling;
        return string.Create(c, $"""
            name: gateway
            runtimes: [{s.Runtime.Profile.Name}]
            workloads: [{s.Artifact.Workload}]
            gateway:
              service: {s.Name}
              port: {port}
              container-concurrency: {k.ContainerConcurrency}
              max-scale: {k.MaxScale}
              idle-window: {Durations.Format(k.IdleWindow)}
              queue-timeout: {Durations.Format(k.QueueTimeout)}
              start-timeout: {Durations.Format(k.StartTimeout)}
              upstream-timeout: {Durations.Format(k.UpstreamTimeout)}
              readiness: {PlanLoader.Name(k.Readiness)}

            """);
    }

    /// <summary>Queues records on the request path and writes them in batches on its own task.</summary>
    private sealed class Recorder(IGatewayStore store, string runId) : IGatewayObserver
    {
        private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        private int _requests, _sandboxes;

        public int Requests => Volatile.Read(ref _requests);

        public int Sandboxes => Volatile.Read(ref _sandboxes);

        public void RequestDone(GatewayRequestRecord request)
        {
            Interlocked.Increment(ref _requests);
            _queue.Writer.TryWrite(request);
        }

        public void SandboxStarting(string service, string name, string reason) => Interlocked.Increment(ref _sandboxes);

        public void SandboxStopped(GatewaySandboxRecord sandbox) => _queue.Writer.TryWrite(sandbox);

        public void Host(IResultStore results, IReadOnlyList<HostMetric> metrics) => _queue.Writer.TryWrite((results, metrics));

        public void Complete() => _queue.Writer.TryComplete();

        public async Task WriteAsync()
        {
            var requests = new List<GatewayRequestRecord>();
            var sandboxes = new List<GatewaySandboxRecord>();
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (requests.Count < 4096 && _queue.Reader.TryRead(out var item))
                {
                    if (item is GatewayRequestRecord r) requests.Add(r);
                    else if (item is GatewaySandboxRecord s) sandboxes.Add(s);
                    else if (item is (IResultStore results, IReadOnlyList<HostMetric> metrics)) results.AppendHostMetrics(runId, metrics);
                }
                store.AppendGatewayRequests(runId, requests);
                store.AppendGatewaySandboxes(runId, sandboxes);
                requests.Clear();
                sandboxes.Clear();
            }
        }
    }
}
