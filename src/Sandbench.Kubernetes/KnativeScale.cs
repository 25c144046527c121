using System.Globalization;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Kubernetes;

/// <summary>
/// Instantiation throughput on Knative (seed 000's xput): create the step's N Services at once and time until every
/// one is observed Ready; each Service is stored as a member trial with its phase time line (create returned,
/// revision, route, deployment and pod phases, Service Ready) as the client received them, and its objects'
/// own timestamps. The step's Services are deleted when it ends.
/// </summary>
internal static class KnativeScale
{
    public static async Task<TrialOutcome> RunAsync(KnativeRuntime rt, TrialContext c, CancellationToken ct)
    {
        var spec = c.Trial.Spec;
        int n = c.Trial.Count ?? 1;
        var phases = new PhaseClock(c.Clock);
        var parameters = Parameters.Of(rt, c);
        parameters["services"] = n.ToString(CultureInfo.InvariantCulture);
        var samples = new List<KeyValuePair<string, double>> { new(ScaleExperiment.TargetMetric, n) };
        // Names carry the run and the step's trial number (from the trial's sandbox name), so steps never collide.
        string trialNo = c.SandboxName[(c.SandboxName.LastIndexOf('-') + 1)..];
        var names = Enumerable.Range(0, n).Select(i => ServiceManifest.Name(c.RunId, $"{rt.Profile.Name}-{trialNo}", c.Trial.Workload, i)).ToList();
        var created = new long[n];
        var failures = new string?[n];
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        Observation? watch = null;
        try
        {
            watch = Observation.Start(rt.Api(), c.RunId, names, c.Clock, c.Clock.Time);
            await watch.SyncedAsync(ct).ConfigureAwait(false);
            long origin = phases.Mark(Phases.Spawn);
            foreach (var t in watch.Timelines.Values) t.Arm(origin);
            await Task.WhenAll(names.Select(async (name, i) =>
            {
                try
                {
                    await rt.CreateAsync(name, c.RunId, c.Trial.Workload, ct).ConfigureAwait(false);
                    created[i] = c.Clock.NowNs();
                }
                catch (Exception e) when (e is TrialFailedException or HttpRequestException or IOException or k8s.Autorest.HttpOperationException)
                {
                    failures[i] = ObjectWatch.Describe(e);
                }
            })).ConfigureAwait(false);
            phases.Mark("created-all");
            bool all = await watch.WaitForAsync(() => watch.Timelines.Values.All(t => t.Ready == true), spec.Timeout, ct).ConfigureAwait(false);
            int ready = watch.Timelines.Values.Count(t => t.Ready == true);
            if (all)
            {
                // Each resource has its own stream: a Service's Ready may arrive before its revision's, route's or pod's events.
                bool pods = rt.Settings.InitialScale is not 0;
                await watch.WaitForAsync(() => watch.Timelines.Values.All(t => t.TryGet(KnativePhases.RevisionReady, out _) && t.TryGet(KnativePhases.RouteReady, out _)
                    && (!pods || t.TryGet(KnativePhases.PodReady, out _))), KnativeColdStart.Straggle, ct).ConfigureAwait(false);
            }
            if (failures.Any(f => f is not null))
                (status, error) = (TrialStatus.Failed, $"{failures.Count(f => f is not null)} of {n} Services were not created: {failures.First(f => f is not null)}");
            else if (!all)
            {
                var stuck = watch.Timelines.Values.First(t => t.Ready != true);
                (status, error) = (TrialStatus.Timeout,
                    $"{ready} of {n} Services Ready within {Durations.Format(spec.Timeout)}; {stuck.Service}: {stuck.NotReadyReason ?? "no Ready condition yet"}");
            }
        }
        catch (OperationCanceledException)
        {
            (status, error) = (TrialStatus.Interrupted, "interrupted");
        }
        catch (Exception e) when (e is TrialFailedException or InvalidOperationException or HttpRequestException or k8s.Autorest.HttpOperationException)
        {
            (status, error) = (TrialStatus.Failed, ObjectWatch.Describe(e));
        }
        finally
        {
            if (watch is not null) await watch.DisposeAsync().ConfigureAwait(false);
            long teardown = phases.Mark("teardown");
            var problems = await Deletions.DeleteAllAsync(names.Where(rt.Live.Contains), rt.DeleteAsync, c.Clock.Time).ConfigureAwait(false);
            if (problems.Count > 0 && status == TrialStatus.Ok) (status, error) = (TrialStatus.Failed, problems[0]);
            samples.Add(new("teardown_ns", c.Clock.NowNs() - teardown));
            phases.Mark(Phases.Done);
        }

        if (!phases.TryGet(Phases.Spawn, out long start)) return new TrialOutcome(status, error, "watch-event", 0, [], samples, parameters);
        var members = new List<MemberOutcome>();
        var readyAt = new List<long>();
        for (int i = 0; i < n && watch is not null; i++)
        {
            var line = watch.Timelines[names[i]];
            var mp = new Dictionary<string, string>(parameters, StringComparer.Ordinal) { ["service"] = names[i] };
            var ms = new List<KeyValuePair<string, double>>();
            var mphases = new List<KeyValuePair<string, long>> { new(Phases.Spawn, 0) };
            if (created[i] > 0) mphases.Add(new(KnativePhases.Created, created[i] - start));
            mphases.AddRange(line.Received().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - start)));
            bool ok = line.TryGet(KnativePhases.ServiceReady, out long r);
            if (ok)
            {
                readyAt.Add(r);
                ms.Add(new(ScaleExperiment.FirstByteMetric, r - start));
            }
            ms.AddRange(ObjectTimes.Samples(line, KnativePhases.Created, mp));
            members.Add(new MemberOutcome(ScaleExperiment.MemberExperiment, i, false,
                new TrialOutcome(ok ? TrialStatus.Ok : status == TrialStatus.Ok ? TrialStatus.Failed : status,
                    ok ? null : failures[i] ?? line.NotReadyReason ?? error, "watch-event", 0, [.. mphases.OrderBy(p => p.Value)], ms, mp) { OriginNs = start }));
        }
        samples.Add(new(ScaleExperiment.AnsweredMetric, readyAt.Count));
        if (readyAt.Count > 0) samples.Add(new(ScaleExperiment.LastReadyMetric, readyAt.Max() - start));
        if (readyAt.Count == n) samples.Add(new(ScaleExperiment.AllReadyMetric, readyAt.Max() - start));
        if (watch is not null) Parameters.AddWatch(parameters, watch.Stats);
        var relative = phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - start)).ToList();
        return new TrialOutcome(status, error, "watch-event", 0, relative, samples, parameters) { OriginNs = start, Members = members };
    }
}
