using System.Security.Cryptography;
using System.Text;
using Sandbench.Core.Experiments;
using Sandbench.Core.Host;
using Sandbench.Core.Images;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Core.Execution;

/// <summary>
/// Runs a plan: checks it against the runtimes, builds artifacts, probes runtimes, then runs every
/// trial in order and commits each to the store as it ends. Cancellation stops after disposing the
/// sandbox in flight; everything finished stays stored.
/// </summary>
public sealed class RunExecutor(
    IResultStore store,
    IArtifactProvider artifacts,
    Func<RuntimeProfile, IRuntime> createRuntime,
    MonotonicClock clock,
    HostInfo host,
    string toolVersion,
    Func<string> newRunId,
    Gateway.IGatewayLauncher? gateways = null,
    Images.IImageLab? images = null,
    IFlowBackends? backends = null)
{
    /// <summary>
    /// What makes <paramref name="plan"/> impossible with these runtimes (an experiment a runtime cannot do),
    /// one line each; checked before anything starts, and before a results file is made (the CLI calls it first).
    /// </summary>
    public static IReadOnlyList<string> Problems(Plan plan, Func<RuntimeProfile, IRuntime> createRuntime) =>
        [.. plan.Experiments
            .SelectMany(e => e.Variants(plan.Runtimes).SelectMany(v => createRuntime(v.Profile) is IClusterRuntime cluster
                ? cluster.Check(e)
                : ExperimentRegistry.Get(e.Type).Check(e, createRuntime(v.Profile))))
            .Distinct()];

    public async Task<RunResult> RunAsync(Plan plan, RunOptions options, IRunObserver observer, CancellationToken ct)
    {
        var runtimes = plan.Runtimes.Select(createRuntime).ToList();
        var problems = Problems(plan, createRuntime);
        if (problems.Count > 0) throw new SandbenchException(problems);

        var built = new Dictionary<string, Artifact>(StringComparer.Ordinal);
        foreach (var w in plan.Workloads) built[w] = await artifacts.GetAsync(w, ct).ConfigureAwait(false);

        var probes = new Dictionary<string, RuntimeProbe>(StringComparer.Ordinal);
        foreach (var r in runtimes) probes[r.Profile.Name] = await r.ProbeAsync(artifacts, ct).ConfigureAwait(false);
        var skipped = probes.Values.Where(p => !p.Usable).ToList();
        if (options.Strict && skipped.Count > 0)
            throw new SandbenchException([.. skipped.Select(p => $"runtime {p.Name} is not usable: {p.Reason} ({p.InstallHint})")], ExitCodes.RuntimeUnavailable);
        foreach (var p in skipped) observer.RuntimeSkipped(p);
        var usable = runtimes.Where(r => probes[r.Profile.Name].Usable).ToList();
        if (usable.Count == 0)
            throw new SandbenchException("no runtime of the plan is usable here (see 'sandbench doctor')", ExitCodes.RuntimeUnavailable);

        var trials = Expand(plan, usable.Select(r => r.Profile).ToList()).ToList();
        var environment = new Dictionary<string, string>(host.Capture(toolVersion), StringComparer.Ordinal);
        foreach (var p in probes.Values)
        {
            environment[$"runtime.{p.Name}.version"] = p.Version ?? "unknown";
            environment[$"runtime.{p.Name}.usable"] = p.Usable ? "yes" : $"no: {p.Reason}";
        }
        foreach (var (w, a) in built) environment[$"workload.{w}.hash"] = a.ContentHash;

        var run = new RunInfo(newRunId(), plan.Name, Hash(plan.Text), plan.Text, clock.Time.GetUtcNow(), null, RunStatus.Running, toolVersion);
        store.BeginRun(run, environment);
        observer.RunStarted(run, trials.Count);

        int done = 0, failed = 0;
        bool interrupted = false;
        var byName = usable.ToDictionary(r => r.Profile.Name, StringComparer.Ordinal);
        // Readings of the host, and of the clusters of cluster runtimes, committed as they are read.
        void Keep(IReadOnlyList<HostMetric> metrics)
        {
            try
            {
                store.AppendHostMetrics(run.Id, metrics);
            }
            catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or System.Data.Common.DbException)
            {
                // The store went away (the run is ending) or is full: trials matter more than host readings.
            }
        }
        // The host every second while the run goes (CPU per core, memory, load).
        using var hostSampler = new HostSampler(clock, host, TimeSpan.FromSeconds(1), Keep);
        // The clusters (their nodes, and the run's pods) every 5 s: metrics-server itself refreshes every 15 s.
        using var clusterSampler = new ClusterSampler(clock, run.Id, usable.OfType<IClusterMetrics>(), TimeSpan.FromSeconds(5), Keep);
        try
        {
            using var dir = RunDirectory.Create(run.Id);
            IRuntime RuntimeOf(TrialPlan t)
            {
                // Sweep variants get their own runtime object (their options differ); usable as their base is.
                if (!byName.TryGetValue(t.Runtime.Name, out var r)) byName[t.Runtime.Name] = r = createRuntime(t.Runtime);
                return r;
            }
            // A series (experiment section × runtime × workload) that a trial ended, e.g. a scale ladder that broke.
            var ended = new Dictionary<(ExperimentSpec, string, string), string>();
            foreach (var trial in trials)
            {
                if (ct.IsCancellationRequested)
                {
                    interrupted = true;
                    break;
                }
                if (ended.TryGetValue((trial.Spec, trial.Runtime.Name, trial.Workload), out string? why))
                {
                    observer.TrialSkipped(trial, why);
                    continue;
                }
                string name = $"sb-{run.Id}-{done + 1}";
                string work = Path.Combine(dir.Path, name);
                Directory.CreateDirectory(work);
                var started = clock.Time.GetUtcNow();
                long startedNs = clock.NowNs();
                var context = new TrialContext(trial, RuntimeOf(trial), built[trial.Workload], name, work, clock) { Gateway = gateways, Images = images, Backends = backends, RunId = run.Id };
                var outcome = await (context.Runtime is IClusterRuntime cluster
                    ? cluster.RunTrialAsync(context, ct)
                    : ExperimentRegistry.Get(trial.Spec.Type).RunAsync(context, ct)).ConfigureAwait(false);
                Directory.Delete(work, recursive: true);

                var record = Record(run.Id, trial, outcome, trial.Spec.Type, trial.Iteration, trial.Warmup, started, startedNs, null);
                long id = store.AppendTrial(record);
                // The sandboxes of a trial that ran many at once, each a trial of its own that names its step.
                foreach (var m in outcome.Members)
                {
                    var at = started + TimeSpan.FromTicks(((m.Outcome.OriginNs ?? startedNs) - (outcome.OriginNs ?? startedNs)) / 100);
                    store.AppendTrial(Record(run.Id, trial, m.Outcome, m.Experiment, m.Index, m.Warmup, at, startedNs, id));
                }
                done++;
                if (outcome.Status != TrialStatus.Ok) failed++;
                observer.TrialFinished(trial, record);
                if (outcome.EndsSeries is { } reason) ended[(trial.Spec, trial.Runtime.Name, trial.Workload)] = reason;
                if (outcome.Status == TrialStatus.Interrupted)
                {
                    interrupted = true;
                    break;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The run cannot go on (a disk full, a bug): say so in the store, keep what finished.
            store.FinishRun(run.Id, RunStatus.Failed, clock.Time.GetUtcNow());
            throw;
        }
        finally
        {
            // Objects on a cluster outlive this process unless deleted: whatever ended the run, delete them.
            foreach (var cluster in byName.Values.OfType<IClusterRuntime>().DistinctBy(c => c.Profile.Name))
                foreach (var line in await cluster.EndRunAsync(run.Id).ConfigureAwait(false)) observer.CleanupProblem(line);
        }
        hostSampler.Dispose();
        var status = interrupted ? RunStatus.Interrupted : RunStatus.Completed;
        var finished = clock.Time.GetUtcNow();
        store.FinishRun(run.Id, status, finished);
        return new RunResult(run with { Status = status, FinishedUtc = finished }, done, failed, interrupted, skipped);
    }

    private static TrialRecord Record(string runId, TrialPlan trial, TrialOutcome outcome, string experiment, int iteration, bool warmup,
        DateTimeOffset started, long startedNs, long? step)
    {
        var parameters = new Dictionary<string, string>(outcome.Parameters, StringComparer.Ordinal);
        foreach (var (k, v) in trial.Swept) parameters[k] = v;
        if (step is { } s) parameters["step"] = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new TrialRecord(runId, experiment, trial.Runtime.Name, trial.Workload, parameters,
            iteration, warmup, outcome.Status, outcome.Error, outcome.Readiness, outcome.ReadinessResolutionNs,
            started, outcome.OriginNs ?? startedNs, outcome.Phases, outcome.Samples)
        {
            Resources = outcome.Resources,
            Histograms = outcome.Histograms,
            Seconds = outcome.Seconds,
            Series = outcome.Series,
        };
    }

    /// <summary>
    /// Trials in run order. Warm-ups of each runtime come first; measured iterations then go
    /// round-robin over runtimes (interleaved) or runtime by runtime (sequential). A warm section's
    /// rates are a further dimension: interleaved, each iteration goes over every rate, and at each rate
    /// over every runtime; sequential, each runtime runs all iterations of one rate, then the next rate.
    /// </summary>
    public static IEnumerable<TrialPlan> Expand(Plan plan, IReadOnlyList<RuntimeProfile> runtimes)
    {
        foreach (var e in plan.Experiments)
        {
            var variants = e.Variants(runtimes);
            // A warm section runs every runtime at every rate, an imagepull section at every security level; other sections have one point.
            IReadOnlyList<(double? Rate, SecurityLevel? Security)> points =
                e.Load is { Rates.Count: > 0 } load ? [.. load.Rates.Select(r => ((double?)r, (SecurityLevel?)null))]
                : e.Image is { } image ? [.. image.Security.Select(s => ((double?)null, (SecurityLevel?)s))]
                : [(null, null)];
            foreach (var w in plan.Workloads)
            {
                if (e.Fleet is { } fleet)
                {
                    foreach (var t in ExpandFleet(e, fleet, variants, w)) yield return t;
                    continue;
                }
                if (e.Order == TrialOrder.Sequential)
                {
                    foreach (var (r, swept) in variants)
                        foreach (var (rate, security) in points)
                            for (int i = 0; i < e.Warmup + e.Iterations; i++)
                                yield return new TrialPlan(e, r, w, i < e.Warmup ? i : i - e.Warmup, i < e.Warmup) { Swept = swept, Rate = rate, Security = security };
                    continue;
                }
                for (int i = 0; i < e.Warmup; i++)
                    foreach (var (rate, security) in points)
                        foreach (var (r, swept) in variants) yield return new TrialPlan(e, r, w, i, true) { Swept = swept, Rate = rate, Security = security };
                for (int i = 0; i < e.Iterations; i++)
                    foreach (var (rate, security) in points)
                        foreach (var (r, swept) in variants) yield return new TrialPlan(e, r, w, i, false) { Swept = swept, Rate = rate, Security = security };
            }
        }
    }

    /// <summary>
    /// scale: one trial per step (N) and iteration, in ladder order, so a runtime's ladder can stop at the first step
    /// that breaks; density: one trial per iteration. Their warm-ups run inside each trial, so none are expanded.
    /// </summary>
    private static IEnumerable<TrialPlan> ExpandFleet(ExperimentSpec e, FleetSpec fleet, IReadOnlyList<(RuntimeProfile Profile, IReadOnlyDictionary<string, string> Swept)> variants, string w)
    {
        IReadOnlyList<int?> counts = e.Type == FleetSpec.Scale ? [.. fleet.Counts.Select(c => (int?)c)] : [null];
        if (e.Order == TrialOrder.Sequential)
        {
            foreach (var (r, swept) in variants)
                foreach (var n in counts)
                    for (int i = 0; i < e.Iterations; i++)
                        yield return new TrialPlan(e, r, w, i, false) { Swept = swept, Count = n };
            yield break;
        }
        foreach (var n in counts)
            for (int i = 0; i < e.Iterations; i++)
                foreach (var (r, swept) in variants)
                    yield return new TrialPlan(e, r, w, i, false) { Swept = swept, Count = n };
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
