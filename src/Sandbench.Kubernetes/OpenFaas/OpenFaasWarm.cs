using System.Globalization;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Kubernetes.OpenFaas;

/// <summary>
/// Warm latency on OpenFaaS: the run's function, read available, answered once through the gateway, then loaded through
/// the gateway's /function/NAME with Sandbench's generator at the trial's rate (open loop, coordinated omission
/// corrected) or concurrency. The generator runs in this process, so this machine and its path to the gateway are
/// part of the figure.
/// </summary>
internal static class OpenFaasWarm
{
    public static async Task<TrialOutcome> RunAsync(OpenFaasRuntime rt, TrialContext c, CancellationToken ct)
    {
        var spec = c.Trial.Spec;
        var load = spec.Load ?? throw new InvalidOperationException("a warm trial without a load section");
        var phases = new PhaseClock(c.Clock);
        var parameters = rt.Parameters(c);
        parameters["mode"] = c.Trial.Rate is null ? "closed" : "open";
        parameters["connections"] = load.Connections.ToString(CultureInfo.InvariantCulture);
        parameters["duration"] = Durations.Format(load.Duration);
        parameters["client"] = "this host";
        if (c.Trial.Rate is { } rate) parameters["rate"] = rate.ToString("R", CultureInfo.InvariantCulture);
        var samples = new List<KeyValuePair<string, double>>();
        var histograms = new List<EncodedHistogram>();
        IReadOnlyList<LoadSecond> seconds = [];
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        long origin = phases.Mark(Phases.Spawn);
        try
        {
            string name = await rt.EnsureFunctionAsync(c, ct).ConfigureAwait(false);
            parameters["function"] = name;
            await rt.EnsureAvailableAsync(name, load.StartTimeout, ct).ConfigureAwait(false);
            string path = "/" + rt.Api().FunctionPath(name);
            await IngressRequest.FirstAnswerAsync(rt.GatewayHostPort, rt.Settings.Gateway.Authority, load.StartTimeout, c.Clock, ct, path).ConfigureAwait(false);
            phases.Mark(WarmExperiment.Answered);
            var result = await ClientLoad.RunAsync(new Uri(rt.Settings.Gateway, path), null, c, phases, samples, ct).ConfigureAwait(false);
            if (!ClientLoad.Record(result, samples, histograms, out seconds, ct))
                (status, error) = (TrialStatus.Failed, "no request was answered through the gateway during the load");
        }
        catch (TimeoutException e) when (!ct.IsCancellationRequested)
        {
            (status, error) = (TrialStatus.Timeout, e.Message);
        }
        catch (OperationCanceledException)
        {
            (status, error) = (TrialStatus.Interrupted, "interrupted");
        }
        catch (Exception e) when (OpenFaasRuntime.IsFailure(e))
        {
            (status, error) = (TrialStatus.Failed, e.Message);
        }
        return ClientLoad.Outcome(status, error, phases, origin, samples, parameters, histograms, seconds);
    }
}
