using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Sandbench.Core.Gateway;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Core.Experiments;

/// <summary>
/// An application flow of hello-retail (seed 001's product catalog, product photos and product
/// purchase) on one runtime: MariaDB and the image server start on 127.0.0.1, then a local gateway
/// with every function of the flow as a service at zero (each sandbox of the trial's runtime, one per
/// function). Round 0 starts them (each function's first request is its cold latency); rounds 1..N are
/// measured, one after another. A function's latency is the gateway's, from a request's arrival to the
/// end of its response, so the functions a chain's entry calls are timed too, and the entry's time
/// includes theirs. Seed 001's figure divides each function's median by the same function's on process.
/// </summary>
public sealed class FlowExperiment : IExperiment
{
    public string Name => "flow";

    public IEnumerable<string> Check(ExperimentSpec spec, IRuntime runtime)
    {
        if (runtime.Capabilities.GuestMarker)
            yield return $"{runtime.Profile.Name}: a flow's functions run on the host's Python (/usr) and reach MariaDB on the host's 127.0.0.1, neither of which a microVM's guest has; run flows on process, bwrap, runc or runsc";
        else if (!runtime.Capabilities.HostLoopback)
            yield return $"{runtime.Profile.Name}: a flow's functions reach MariaDB, the image server and the gateway on the host's 127.0.0.1, which this runtime's sandboxes cannot (run it with network: host)";
    }

    public async Task<TrialOutcome> RunAsync(TrialContext context, CancellationToken ct)
    {
        var c = context;
        var spec = c.Trial.Spec;
        var flow = Flows.Get(c.Trial.Workload);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FlowMetrics.FunctionsParameter] = string.Join(",", flow.Functions),
            ["rounds"] = spec.Rounds.ToString(CultureInfo.InvariantCulture),
            ["timeout"] = Durations.Format(spec.Timeout),
        };
        if (c.Gateway is null || c.Backends is null)
            return new TrialOutcome(TrialStatus.Failed, "a flow needs the local gateway and its backends, which this program does not provide", "", 0, [], [], parameters);

        var phases = new PhaseClock(c.Clock);
        var samples = new List<KeyValuePair<string, double>>();
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        IGatewayHandle? gateway = null;
        long measuredFrom = long.MaxValue;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(spec.Timeout);
        try
        {
            await using var services = await c.Backends.StartAsync(c.SandboxName, c.WorkDir, c.Artifact, deadline.Token).ConfigureAwait(false);
            foreach (var (k, v) in services.Details) parameters[k] = v;
            phases.Mark("backends-ready");
            gateway = await StartGatewayAsync(c, flow, services.Environment, deadline.Token).ConfigureAwait(false);
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
            for (int round = 0; round <= spec.Rounds; round++)
            {
                if (round == 1) measuredFrom = phases.Mark("measured-start");
                long began = c.Clock.NowNs();
                await RoundAsync(client, gateway.Url, flow.Round(round), deadline.Token).ConfigureAwait(false);
                if (round > 0) samples.Add(new(FlowMetrics.FlowMetric, c.Clock.NowNs() - began));
            }
            phases.Mark("measured-end");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            (status, error) = (TrialStatus.Timeout, $"the flow did not finish within the timeout {Durations.Format(spec.Timeout)} (last phase: {LastPhase(phases)})");
        }
        catch (OperationCanceledException)
        {
            (status, error) = (TrialStatus.Interrupted, "interrupted");
        }
        catch (Exception e) when (e is SandbenchException or TrialFailedException or InvalidOperationException or IOException or HttpRequestException
                                       or System.Text.Json.JsonException)
        {
            (status, error) = (TrialStatus.Failed, e.Message);
        }
        finally
        {
            // Disposal waits for every request's record (a request is recorded once its response has ended).
            (status, error) = await Teardown.EndAsync(gateway, () => "", status, error).ConfigureAwait(false);
            phases.Mark(Phases.Done);
        }

        var requests = gateway?.Requests ?? [];
        // The gateway's reason (a sandbox that failed to start, exited) beats the client's view of it.
        if (status == TrialStatus.Failed && requests.FirstOrDefault(r => r.Error is not null) is { } failed)
            error = $"{error} (the gateway, for {failed.Service}: {failed.Error})";
        if (status == TrialStatus.Ok)
        {
            foreach (var first in requests.Where(r => r.Cold).GroupBy(r => r.Service).Select(g => g.MinBy(r => r.ArrivalNs)!))
                samples.Add(new($"{FlowMetrics.ColdMetric}:{first.Service}", first.TotalNs));
            foreach (var r in requests.Where(r => r.ArrivalNs >= measuredFrom).OrderBy(r => r.ArrivalNs))
                samples.Add(new($"{FlowMetrics.WarmMetric}:{r.Service}", r.TotalNs));
            parameters["sandboxes"] = (gateway?.Sandboxes.Count ?? 0).ToString(CultureInfo.InvariantCulture);
        }
        var marks = phases.Snapshot();
        long origin = marks.Count > 0 ? marks[0].Value : 0;
        var relative = marks.Select(p => new KeyValuePair<string, long>(p.Key, p.Value - origin)).ToList();
        return new TrialOutcome(status, error, PlanLoader.Name(spec.Readiness), 0, relative, samples, parameters) { OriginNs = origin };
    }

    /// <summary>A gateway on a port chosen first, so every function is told where it is (the purchase chain calls through it).</summary>
    private static Task<IGatewayHandle> StartGatewayAsync(TrialContext c, Flow flow, IReadOnlyDictionary<string, string> backends, CancellationToken ct)
    {
        var spec = c.Trial.Spec;
        int port = Loopback.FreePort();
        var scaling = new ScalingOptions
        {
            // One sandbox per function for the whole trial: nothing scales down or times out before the trial's own timeout.
            ContainerConcurrency = 0,
            MaxScale = 1,
            IdleWindow = TimeSpan.FromHours(1),
            QueueTimeout = spec.Timeout,
            StartTimeout = spec.Timeout,
            UpstreamTimeout = spec.Timeout,
            Readiness = spec.Readiness,
            RetrySpacing = spec.RetrySpacing,
        };
        var services = flow.Functions.Select(f => new GatewayService(f, c.Runtime, c.Artifact, scaling)
        {
            Environment = new Dictionary<string, string>(backends, StringComparer.Ordinal)
            {
                ["SANDBENCH_FUNCTION"] = f,
                ["GATEWAY_URL"] = $"http://127.0.0.1:{port}/",
            },
        }).ToList();
        return c.Gateway!.StartAsync(new GatewayLaunch(services[0], c.WorkDir, c.SandboxName, c.Clock) { Port = port, MoreServices = services[1..] }, ct);
    }

    /// <summary>The round's requests in order, each body made from the previous answer; any answer but 200 fails the trial with its reason.</summary>
    private static async Task RoundAsync(HttpClient client, Uri gateway, IReadOnlyList<FlowRequest> requests, CancellationToken ct)
    {
        JsonNode? previous = null;
        foreach (var r in requests)
        {
            using var message = new HttpRequestMessage(r.Method, new Uri(gateway, $"/{r.Function}{r.Path}"));
            if (r.Body(previous) is { } body)
                message.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
            using var response = await client.SendAsync(message, ct).ConfigureAwait(false);
            string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new TrialFailedException($"{r.Function} {r.Method} {r.Path} answered {(int)response.StatusCode}: {Reason(text)}");
            }
            previous = JsonNode.Parse(text);
        }
    }

    private static string LastPhase(PhaseClock phases)
    {
        var marks = phases.Snapshot();
        return marks.Count > 0 ? marks[^1].Key : "none";
    }

    /// <summary>A function's error (<c>{"error": ...}</c>) or the first line of whatever else answered (the gateway's text).</summary>
    private static string Reason(string text)
    {
        try
        {
            if (JsonNode.Parse(text)?["error"]?.GetValue<string>() is { } error) return error;
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a function's answer.
        }
        return text.Trim().Split('\n')[0];
    }
}
