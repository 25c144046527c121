using Sandbench.Core.Host;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Runtimes;
using Sandbench.Runtimes.Native;
using Sandbench.Workloads;

namespace Sandbench.Runtimes.Tests;

/// <summary>
/// Real runtimes, real sandboxes. Each test gets its own ledger and scratch directory; artifacts come
/// from the shared cache (built once). Tests skip, saying why, where a runtime is missing or not root.
/// </summary>
public sealed class RuntimeFixture : IDisposable
{
    public RuntimeFixture()
    {
        Root = Directory.CreateTempSubdirectory("sandbench-rt-test-").FullName;
        Ledger = new SandboxLedger(Path.Combine(Root, "state"));
    }

    public static WorkloadCatalog Catalog { get; } = new(WorkloadCatalog.DefaultCacheDir());

    public string Root { get; }

    public SandboxLedger Ledger { get; }

    public IRuntime Runtime(string name, IReadOnlyDictionary<string, string>? options = null)
    {
        var profile = RuntimeRegistry.Get(name);
        if (options is not null) profile = profile.With(options);
        return RuntimeRegistry.Create(profile, Ledger, Catalog);
    }

    /// <summary>Skips unless we are root and the runtime's binary is installed and can run a sandbox here.</summary>
    public async Task<IRuntime> UsableAsync(string name)
    {
        if (Environment.UserName != "root") Assert.Skip($"{name}: integration tests need root");
        var runtime = Runtime(name);
        var probe = await runtime.ProbeAsync(Catalog, TestContext.Current.CancellationToken);
        if (!probe.Installed) Assert.Skip($"{name}: not installed: {probe.Reason} ({probe.InstallHint})");
        if (!probe.Usable) Assert.Skip($"{name}: not usable here: {probe.Reason}");
        return runtime;
    }

    public Task<TrialOutcome> ColdStartAsync(IRuntime runtime, string workload = "hello", ExperimentSpec? spec = null,
        CancellationToken? ct = null) =>
        TrialAsync(new ColdStartExperiment(), runtime, workload, spec ?? ExperimentSpec.ColdStartDefaults with { Timeout = TimeSpan.FromSeconds(20) }, ct);

    public Task<TrialOutcome> BootAsync(IRuntime runtime, string workload = "hello", ExperimentSpec? spec = null) =>
        TrialAsync(new BootExperiment(), runtime, workload,
            spec ?? ExperimentSpec.ColdStartDefaults with { Type = "boot", Timeout = TimeSpan.FromSeconds(30), SampleInterval = TimeSpan.FromMilliseconds(5) }, null);

    /// <summary>A syscall trial of the syscall workload, each operation's loop at least 2 ms.</summary>
    public Task<TrialOutcome> SyscallAsync(IRuntime runtime, string workload = "syscall") =>
        TrialAsync(new SyscallExperiment(), runtime, workload,
            ExperimentSpec.ColdStartDefaults with { Type = "syscall", Timeout = TimeSpan.FromSeconds(120), MinOpTime = TimeSpan.FromMilliseconds(2) }, null);

    /// <summary>A short warm trial: 200 ms warm-up, then 1 s at <paramref name="rate"/> req/s on 4 connections (null: closed loop on 4).</summary>
    public Task<TrialOutcome> WarmAsync(IRuntime runtime, double? rate = 200, string workload = "hello", TimeSpan? startTimeout = null) =>
        TrialAsync(new WarmExperiment(), runtime, workload, ExperimentSpec.ColdStartDefaults with
        {
            Type = "warm",
            Timeout = TimeSpan.FromSeconds(5),
            SampleInterval = TimeSpan.FromMilliseconds(50),
            Load = LoadSpec.Defaults with
            {
                Rates = rate is { } r ? [r] : [],
                Concurrency = rate is null ? 4 : null,
                Duration = TimeSpan.FromSeconds(1),
                WarmupDuration = TimeSpan.FromMilliseconds(200),
                Connections = 4,
                StartTimeout = startTimeout ?? TimeSpan.FromSeconds(30),
            },
        }, null, rate);

    private async Task<TrialOutcome> TrialAsync(IExperiment experiment, IRuntime runtime, string workload, ExperimentSpec spec, CancellationToken? ct,
        double? rate = null)
    {
        var artifact = await Catalog.GetAsync(workload, TestContext.Current.CancellationToken);
        string name = $"sb-t{Guid.NewGuid().ToString("N")[..7]}-1";
        string work = Path.Combine(Root, name);
        Directory.CreateDirectory(work);
        var trial = new TrialPlan(spec, runtime.Profile, workload, 0, false) { Rate = rate };
        var outcome = await experiment.RunAsync(
            new TrialContext(trial, runtime, artifact, name, work, MonotonicClock.System), ct ?? TestContext.Current.CancellationToken);
        LastName = name;
        return outcome;
    }

    public string LastName { get; private set; } = "";

    /// <summary>Container names the OCI runtime still lists.</summary>
    public static async Task<IReadOnlyList<string>> ListedAsync(IRuntime runtime)
    {
        string bin = Executables.Find(runtime.Profile.Option("binary")!)!;
        var r = await Command.RunAsync(bin, [.. Flags.Split(runtime.Profile.Option("flags")), "list", "--quiet"], TimeSpan.FromSeconds(30));
        return r.Stdout.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Processes whose command line mentions <paramref name="text"/> (our artifacts or names), other than us.</summary>
    public static IReadOnlyList<int> ProcessesMentioning(string text) =>
        [.. Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0 && pid != Environment.ProcessId)
            .Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(text, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
            })];

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
