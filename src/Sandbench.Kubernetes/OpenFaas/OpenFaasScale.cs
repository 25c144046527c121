using System.Globalization;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Kubernetes.OpenFaas;

/// <summary>
/// Instantiation throughput on OpenFaaS (seed 000's xput through the gateway): deploy the step's N functions at once
/// and time until every one has an available replica, read from the gateway's function list every poll interval.
/// Each function is stored as a member trial (deploy accepted, scaled up, available); they are deleted when the step ends.
/// </summary>
internal static class OpenFaasScale
{
    public static async Task<TrialOutcome> RunAsync(OpenFaasRuntime rt, TrialContext c, CancellationToken ct)
    {
        var spec = c.Trial.Spec;
        int n = c.Trial.Count ?? 1;
        var phases = new PhaseClock(c.Clock);
        var parameters = rt.Parameters(c);
        parameters["functions"] = n.ToString(CultureInfo.InvariantCulture);
        var samples = new List<KeyValuePair<string, double>> { new(ScaleExperiment.TargetMetric, n) };
        string trialNo = c.SandboxName[(c.SandboxName.LastIndexOf('-') + 1)..];
        var names = Enumerable.Range(0, n).Select(i => ServiceManifest.Name(c.RunId, $"{rt.Profile.Name}-{trialNo}", c.Trial.Workload, i)).ToList();
        var lines = names.Select(_ => new PhaseClock(c.Clock)).ToArray();
        var failures = new string?[n];
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        long start = phases.Mark(Phases.Spawn);
        try
        {
            await Task.WhenAll(names.Select(async (name, i) =>
            {
                try
                {
                    await rt.DeployAsync(name, c.RunId, ct).ConfigureAwait(false);
                    lines[i].Mark(OpenFaasPhases.Deployed);
                }
                catch (Exception e) when (OpenFaasRuntime.IsFailure(e))
                {
                    failures[i] = e.Message;
                }
            })).ConfigureAwait(false);
            phases.Mark("deployed-all");
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(spec.Timeout);
            var pending = Enumerable.Range(0, n).Where(i => failures[i] is null).ToHashSet();
            try
            {
                while (pending.Count > 0)
                {
                    var listed = (await rt.Api().ListAsync(limit.Token).ConfigureAwait(false)).ToDictionary(f => f.Name, StringComparer.Ordinal);
                    long at = c.Clock.NowNs();
                    foreach (int i in pending.ToList())
                    {
                        if (!listed.TryGetValue(names[i], out var f)) continue;
                        if (f.Replicas >= 1 || f.AvailableReplicas >= 1) lines[i].MarkAt(OpenFaasPhases.ScaledUp, at);
                        if (f.AvailableReplicas < 1) continue;
                        lines[i].MarkAt(OpenFaasPhases.Available, at);
                        pending.Remove(i);
                    }
                    if (pending.Count > 0) await Task.Delay(rt.Settings.Poll, rt.Clock.Time, limit.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                (status, error) = (TrialStatus.Timeout, $"{n - failures.Count(f => f is not null) - pending.Count} of {n} functions available within "
                    + $"{Durations.Format(spec.Timeout)}; {names[pending.First()]} was not");
            }
            if (failures.FirstOrDefault(f => f is not null) is { } failed)
                (status, error) = (TrialStatus.Failed, $"{failures.Count(f => f is not null)} of {n} functions were not deployed: {failed}");
        }
        catch (OperationCanceledException)
        {
            (status, error) = (TrialStatus.Interrupted, "interrupted");
        }
        catch (Exception e) when (OpenFaasRuntime.IsFailure(e))
        {
            (status, error) = (TrialStatus.Failed, e.Message);
        }
        finally
        {
            long teardown = phases.Mark("teardown");
            var problems = await Deletions.DeleteAllAsync(names.Where(rt.Live.Contains), rt.DeleteAsync, c.Clock.Time).ConfigureAwait(false);
            if (problems.Count > 0 && status == TrialStatus.Ok) (status, error) = (TrialStatus.Failed, problems[0]);
            samples.Add(new("teardown_ns", c.Clock.NowNs() - teardown));
            phases.Mark(Phases.Done);
        }

        var members = new List<MemberOutcome>();
        var readyAt = new List<long>();
        for (int i = 0; i < n; i++)
        {
            var mp = new Dictionary<string, string>(parameters, StringComparer.Ordinal) { ["function"] = names[i] };
            var ms = new List<KeyValuePair<string, double>>();
            bool ok = lines[i].TryGet(OpenFaasPhases.Available, out long r);
            if (ok)
            {
                readyAt.Add(r);
                ms.Add(new(ScaleExperiment.FirstByteMetric, r - start));
            }
            var mphases = new[] { new KeyValuePair<string, long>(Phases.Spawn, 0) }
                .Concat(lines[i].Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - start))).ToList();
            members.Add(new MemberOutcome(ScaleExperiment.MemberExperiment, i, false,
                new TrialOutcome(ok ? TrialStatus.Ok : status == TrialStatus.Ok ? TrialStatus.Failed : status,
                    ok ? null : failures[i] ?? error, "status-poll", 0, mphases, ms, mp) { OriginNs = start }));
        }
        samples.Add(new(ScaleExperiment.AnsweredMetric, readyAt.Count));
        if (readyAt.Count > 0) samples.Add(new(ScaleExperiment.LastReadyMetric, readyAt.Max() - start));
        if (readyAt.Count == n) samples.Add(new(ScaleExperiment.AllReadyMetric, readyAt.Max() - start));
        var relative = phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - start)).ToList();
        return new TrialOutcome(status, error, "status-poll", 0, relative, samples, parameters) { OriginNs = start, Members = members };
    }
}
