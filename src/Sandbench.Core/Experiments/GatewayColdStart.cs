using System.Net;
using System.Net.Sockets;
using Sandbench.Core.Gateway;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Experiments;

/// <summary>
/// A cold start through the local gateway (<c>via: gateway</c>), seed 003's "service response latency":
/// the client sends one request to a gateway whose service is at zero; the gateway starts a sandbox,
/// holds the request until it can take it, forwards it, and the figure is the client's time from
/// sending the request to the first byte of the response. The gateway starts before the request,
/// outside the window, as Knative's activator is running before a scaled-to-zero service is called.
/// </summary>
internal static class GatewayColdStart
{
    public static async Task<TrialOutcome> RunAsync(TrialContext c, CancellationToken ct)
    {
        var spec = c.Trial.Spec;
        var phases = new PhaseClock(c.Clock);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["timeout"] = Durations.Format(spec.Timeout),
            ["via"] = PlanLoader.Name(RequestPath.Gateway),
        };
        string method = PlanLoader.Name(ColdStartExperiment.Resolve(spec.Readiness, c.Runtime.Capabilities));
        if (c.Gateway is null)
            return new TrialOutcome(TrialStatus.Failed, "via: gateway needs the local gateway, which this program does not provide", method, 0, [], [], parameters);

        var scaling = new ScalingOptions
        {
            // One request, one sandbox: nothing may scale down or time out before the trial's own timeout.
            ContainerConcurrency = 0,
            MaxScale = 1,
            IdleWindow = TimeSpan.FromHours(1),
            QueueTimeout = spec.Timeout,
            StartTimeout = spec.Timeout,
            UpstreamTimeout = spec.Timeout,
            Readiness = spec.Readiness,
            RetrySpacing = spec.RetrySpacing,
        };
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        IGatewayHandle? gateway = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(spec.Timeout);
        try
        {
            gateway = await c.Gateway.StartAsync(
                new GatewayLaunch(new GatewayService(c.Trial.Workload, c.Runtime, c.Artifact, scaling), c.WorkDir, c.SandboxName, c.Clock), deadline.Token)
                .ConfigureAwait(false);
            var endpoint = new IPEndPoint(IPAddress.Loopback, gateway.Url.Port);
            long deadlineNs = c.Clock.NowNs() + (long)(spec.Timeout.TotalMilliseconds * 1_000_000);
            // The client on a thread of its own, as on the direct path: the first byte is stamped the moment it arrives.
            await Task.Factory.StartNew(() =>
            {
                // The window opens before the client connects and sends (a new client, as kperf's): stamped after send()
                // returned, a client thread preempted there would start the figure after the gateway had begun.
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                phases.Mark(Phases.RequestSent);
                s.Connect(endpoint);
                s.Send(FirstRequest.Request);
                FirstRequest.AwaitResponse(s, deadlineNs, () => null, phases, deadline.Token);
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException && !ct.IsCancellationRequested)
        {
            status = TrialStatus.Timeout;
            error = $"no response within {Durations.Format(spec.Timeout)}";
        }
        catch (OperationCanceledException)
        {
            status = TrialStatus.Interrupted;
            error = "interrupted";
        }
        catch (Exception e) when (e is TrialFailedException or InvalidOperationException or IOException or SocketException)
        {
            status = TrialStatus.Failed;
            error = e.Message;
        }
        finally
        {
            (status, error) = await Teardown.EndAsync(gateway, () => "", status, error).ConfigureAwait(false);
            phases.Mark(Phases.Done);
        }

        var requests = gateway?.Requests ?? [];
        var sandboxes = gateway?.Sandboxes ?? [];
        var request = requests.Count > 0 ? requests[0] : null;
        var sandbox = sandboxes.FirstOrDefault(s => s.Name == request?.Sandbox) ?? (sandboxes.Count > 0 ? sandboxes[0] : null);
        if (request is not null)
        {
            phases.MarkAt(Phases.GatewayReceived, request.ArrivalNs);
            if (request.ForwardedNs is { } f) phases.MarkAt(Phases.Forwarded, f);
            if (request.FirstByteNs is { } u) phases.MarkAt(Phases.UpstreamFirstByte, u);
            parameters["cold"] = request.Cold ? "true" : "false";
            // The gateway's reason beats the client's view of it ("unexpected response: 502").
            if (request.Error is { } why && status != TrialStatus.Interrupted) error = $"the gateway answered {request.Status}: {why}";
        }
        if (sandbox is not null)
        {
            foreach (var (name, ns) in sandbox.Phases) phases.MarkAt(name, ns);
            parameters["sandbox"] = sandbox.Name;
            if (sandbox.Error is { } why && error is null) error = why;
        }
        if (status == TrialStatus.Ok && error is not null) status = TrialStatus.Failed;

        long origin = phases.TryGet(Phases.Spawn, out long spawn) ? spawn : phases.TryGet(Phases.RequestSent, out long sent) ? sent : 0;
        var relative = phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - origin)).ToList();
        var samples = new List<KeyValuePair<string, double>> { new("artifact_bytes", c.Artifact.SizeBytes) };
        if (status == TrialStatus.Ok && phases.TryGet(Phases.RequestSent, out long rs) && phases.TryGet(Phases.FirstByte, out long fb))
        {
            samples.Add(new(ColdStartExperiment.Metric, fb - rs));
            if (request is not null) samples.Add(new("gateway_wait_ns", request.WaitNs));
        }
        return new TrialOutcome(status, error, sandbox?.Readiness ?? method, sandbox?.ReadinessResolutionNs ?? 0, relative, samples, parameters);
    }
}
