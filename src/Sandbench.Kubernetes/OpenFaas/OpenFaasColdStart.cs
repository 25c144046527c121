using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Kubernetes.OpenFaas;

/// <summary>The phases of an OpenFaaS cold start, as the client read them from the function's status.</summary>
public static class OpenFaasPhases
{
    /// <summary>The deploy request was accepted (202).</summary>
    public const string Deployed = "deployed";

    /// <summary>First status read with replicas ≥ 1: the gateway (scale from zero) has scaled the function up.</summary>
    public const string ScaledUp = "scaled-up";

    /// <summary>First status read with an available replica: a pod of the function is ready.</summary>
    public const string Available = "available";
}

/// <summary>
/// Cold start on OpenFaaS: the run's function (deployed at the first trial) is scaled to zero through the REST API and
/// read at zero replicas; then one request goes to the gateway's /function/NAME, which scales the function from zero
/// and holds the request until a replica is ready. The trial is the time from sending it to the first byte of the
/// response. Meanwhile the function's status is polled (option 'poll'), so scaled-up and available are the times the
/// client read them, each late by up to one poll interval.
/// </summary>
internal static class OpenFaasColdStart
{
    /// <summary>After the first byte, how long to keep polling for a phase not read yet (available usually).</summary>
    private static readonly TimeSpan Straggle = TimeSpan.FromSeconds(5);

    public static async Task<TrialOutcome> RunAsync(OpenFaasRuntime rt, TrialContext c, CancellationToken ct)
    {
        var spec = c.Trial.Spec;
        var phases = new PhaseClock(c.Clock);
        var parameters = rt.Parameters(c);
        var samples = new List<KeyValuePair<string, double>>();
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        string step = "deploying the function";
        try
        {
            string name = await rt.EnsureFunctionAsync(c, ct).ConfigureAwait(false);
            parameters["function"] = name;
            step = "waiting for the new function to become available";
            await rt.EnsureAvailableAsync(name, spec.Timeout, ct).ConfigureAwait(false);
            step = "scaling the function to zero";
            await rt.Api().ScaleAsync(name, 0, ct).ConfigureAwait(false);
            await rt.WaitForAsync(name, f => f.Replicas == 0 && f.AvailableReplicas == 0, "at zero replicas", rt.Settings.ZeroTimeout, ct).ConfigureAwait(false);

            step = "the cold request";
            long origin = phases.Mark(Phases.Spawn);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var polling = PollAsync(rt, name, phases, stop.Token);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(spec.Timeout);
            try
            {
                await IngressRequest.SendAsync(rt.GatewayHostPort, rt.Settings.Gateway.Authority, phases, limit.Token, "/" + rt.Api().FunctionPath(name))
                    .ConfigureAwait(false);
                // A phase read after the first byte still belongs to this start; give the poll a moment to read it.
                stop.CancelAfter(Straggle);
                await polling.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no response within {Durations.Format(spec.Timeout)} (last phase: {phases.Snapshot().MaxBy(p => p.Value).Key})");
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await polling.ConfigureAwait(false);
            }
            if (phases.TryGet(Phases.FirstByte, out long fb)) samples.Add(new(ColdStartExperiment.Metric, fb - origin));
        }
        catch (TimeoutException e) when (!ct.IsCancellationRequested)
        {
            (status, error) = (TrialStatus.Timeout, $"{step}: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            (status, error) = (TrialStatus.Interrupted, "interrupted");
        }
        catch (Exception e) when (OpenFaasRuntime.IsFailure(e))
        {
            (status, error) = (TrialStatus.Failed, $"{step}: {e.Message}");
        }
        phases.Mark(Phases.Done);
        bool armed = phases.TryGet(Phases.Spawn, out long start);
        if (status != TrialStatus.Ok) samples.Clear();
        var relative = armed ? phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - start)).ToList() : [];
        return new TrialOutcome(status, error, "gateway", 0, relative, samples, parameters) { OriginNs = armed ? start : null };
    }

    /// <summary>
    /// Reads the function's status every poll interval until both phases are read or <paramref name="ct"/> ends it; each phase
    /// is marked at the time its status arrived. Errors of single reads are skipped (the request's own outcome decides).
    /// </summary>
    private static async Task PollAsync(OpenFaasRuntime rt, string name, PhaseClock phases, CancellationToken ct)
    {
        await Task.Yield();
        while (!ct.IsCancellationRequested && !phases.TryGet(OpenFaasPhases.Available, out _))
        {
            try
            {
                var f = await rt.Api().StatusAsync(name, ct).ConfigureAwait(false);
                long at = phases.Clock.NowNs();
                // The first read of each wins (MarkAt keeps the earliest mark of a name).
                if (f is { Replicas: >= 1 } or { AvailableReplicas: >= 1 }) phases.MarkAt(OpenFaasPhases.ScaledUp, at);
                if (f is { AvailableReplicas: >= 1 }) phases.MarkAt(OpenFaasPhases.Available, at);
                await Task.Delay(rt.Settings.Poll, rt.Clock.Time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (OpenFaasRuntime.IsFailure(e))
            {
                // One read failed; the next may not, one interval later.
                try
                {
                    await Task.Delay(rt.Settings.Poll, rt.Clock.Time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
