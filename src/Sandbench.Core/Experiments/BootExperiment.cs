using System.Globalization;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Experiments;

/// <summary>
/// Boot: a sandbox whose workload runs to completion and ends on its own (a VM's guest powers off
/// after init has run the workload). Measured as the unikernel benchmarks do (seed 004): time to
/// boot, from letting the paused VM run (<c>cont</c>, so the VMM's own start-up is apart) to the
/// guest's init; time to run, from the spawn to the sandbox's end; image size; and the memory of
/// the sandbox's processes (VMM and guest together) sampled over time from /proc.
/// </summary>
public sealed class BootExperiment(ProcessResources resources) : IExperiment
{
    public BootExperiment() : this(ProcessResources.Local) { }

    /// <summary>Spawn to the sandbox's end (VMM exited after the guest powered off).</summary>
    public const string RunMetric = "run_ns";

    /// <summary><c>cont</c> to the guest's init (VMs); the VMM's start-up is not in it.</summary>
    public const string BootMetric = "boot_ns";

    /// <summary>Spawn to the VMM answering commands on its control socket (QMP capabilities, API ready).</summary>
    public const string VmmMetric = "vmm_start_ns";

    public const string ImageMetric = "image_bytes";
    public const string RssPeakMetric = "rss_peak_bytes";
    public const string PssPeakMetric = "pss_peak_bytes";
    public const string ReadingsMetric = "memory_readings";

    /// <summary>Peak RSS minus the resident guest RAM: the VMM's own memory (Firecracker's "VMM overhead").</summary>
    public const string OverheadPeakMetric = "vmm_overhead_peak_bytes";

    /// <summary>Arguments that make the workload start and exit at once.</summary>
    public static IReadOnlyList<string> RunArgs { get; } = ["--probe"];

    public string Name => "boot";

    public IEnumerable<string> Check(ExperimentSpec spec, IRuntime runtime)
    {
        if (spec.Readiness != ReadinessMethod.Auto)
            yield return $"{runtime.Profile.Name}: boot waits for the sandbox to end on its own and takes no readiness method";
    }

    public async Task<TrialOutcome> RunAsync(TrialContext context, CancellationToken ct)
    {
        var c = context;
        var spec = c.Trial.Spec;
        var phases = new PhaseClock(c.Clock);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["timeout"] = Durations.Format(spec.Timeout),
            ["sample-interval"] = Durations.Format(spec.SampleInterval),
        };
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        ISandbox? sandbox = null;
        SandboxExit? exit = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(spec.Timeout);
        // Sampling starts before the spawn: the VMM's memory is read from its first reading on.
        using var sampler = new ResourceSampler(c.Clock, spec.SampleInterval,
            () => Volatile.Read(ref sandbox)?.ProcessIds ?? [], resources,
            () => Volatile.Read(ref sandbox)?.Details.TryGetValue("memory_mib", out var mib) == true
                && long.TryParse(mib, NumberStyles.None, CultureInfo.InvariantCulture, out long m) ? m << 20 : null);
        try
        {
            var sandboxSpec = new SandboxSpec
            {
                Name = c.SandboxName,
                Artifact = c.Artifact,
                Args = RunArgs,
                OutputPath = Path.Combine(c.WorkDir, "workload.log"),
                WorkDir = c.WorkDir,
                RunToCompletion = true,
            };
            Volatile.Write(ref sandbox, await c.Runtime.StartAsync(sandboxSpec, phases, deadline.Token).ConfigureAwait(false));
            // Straight on to the wait, on this thread: a sandbox that ends within a millisecond (a plain
            // process) must not have its end stamped late by a thread hop or a /proc reading.
            var left = TimeSpan.FromMilliseconds(Math.Max(0, (long)spec.Timeout.TotalMilliseconds - (phases.Clock.NowNs() - Origin(phases)) / 1_000_000));
            exit = sandbox!.WaitForExit(left, deadline.Token);
            if (exit is null) throw new TimeoutException();
            phases.Mark(Phases.Exit);
            if (exit.Success == false)
            {
                status = TrialStatus.Failed;
                error = exit.Description;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException && !ct.IsCancellationRequested)
        {
            status = TrialStatus.Timeout;
            error = $"the sandbox did not end within {Durations.Format(spec.Timeout)} (last phase: {Last(phases)})";
        }
        catch (OperationCanceledException)
        {
            status = TrialStatus.Interrupted;
            error = "interrupted";
        }
        catch (Exception e) when (e is TrialFailedException or InvalidOperationException or IOException or TimeoutException)
        {
            status = TrialStatus.Failed;
            error = e.Message;
        }
        finally
        {
            foreach (var (k, v) in sandbox?.Details ?? new Dictionary<string, string>()) parameters[k] = v;
            (status, error) = await Teardown.EndAsync(sandbox, status, error).ConfigureAwait(false);
            phases.Mark(Phases.Done);
        }

        long origin = Origin(phases);
        var readings = sampler.Stop(origin);
        var relative = phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - origin)).ToList();
        var samples = new List<KeyValuePair<string, double>> { new(ImageMetric, ImageBytes(parameters) ?? c.Artifact.SizeBytes) };
        // How many readings the peaks rest on: a sandbox that lives for less than an interval or two has few or none.
        samples.Add(new(ReadingsMetric, readings.Select(r => r.TNs).Distinct().Count()));
        if (sampler.PeakRssBytes is { } rss) samples.Add(new(RssPeakMetric, rss));
        if (sampler.PeakPssBytes is { } pss) samples.Add(new(PssPeakMetric, pss));
        if (sampler.PeakOverheadBytes is { } overhead) samples.Add(new(OverheadPeakMetric, overhead));
        if (status == TrialStatus.Ok)
        {
            if (phases.TryGet(Phases.Exit, out long end)) samples.Add(new(RunMetric, end - origin));
            if (phases.TryGet(Phases.Boot, out long boot) && phases.TryGet(Phases.GuestInit, out long init)) samples.Add(new(BootMetric, init - boot));
            if (phases.TryGet(Phases.VmmCommands, out long vmm) || phases.TryGet(Phases.VmmReady, out vmm)) samples.Add(new(VmmMetric, vmm - origin));
        }
        if (exit is not null) parameters["exit"] = exit.Description;
        return new TrialOutcome(status, error, "exit", 0, relative, samples, parameters) { Resources = readings, OriginNs = origin };
    }

    private static long Origin(PhaseClock phases) => phases.TryGet(Phases.Spawn, out long o) ? o : phases.Clock.NowNs();

    private static string Last(PhaseClock phases) => phases.Snapshot() is { Count: > 0 } all ? all[^1].Key : "nothing started";

    /// <summary>What a VM boots (kernel and initramfs), when the sandbox said; else the caller uses the workload's bytes.</summary>
    private static long? ImageBytes(Dictionary<string, string> details) =>
        details.TryGetValue("kernel_bytes", out var k) && details.TryGetValue("initrd_bytes", out var i)
        && long.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out long kb)
        && long.TryParse(i, NumberStyles.None, CultureInfo.InvariantCulture, out long ib)
            ? kb + ib
            : null;
}
