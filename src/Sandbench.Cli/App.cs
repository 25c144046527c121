using System.Reflection;
using Sandbench.Core;
using Sandbench.Core.Execution;
using Sandbench.Core.Experiments;
using Sandbench.Core.Gateway;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Gateway;
using Sandbench.Kubernetes;
using Sandbench.Core.Timing;
using Sandbench.Runtimes;
using Sandbench.Store;
using Sandbench.Workloads;

namespace Sandbench.Cli;

/// <summary>Wires the layers together; commands get everything from here.</summary>
internal sealed class App
{
    public MonotonicClock Clock { get; } = MonotonicClock.System;

    public SandboxLedger Ledger { get; } = SandboxLedger.Default;

    public WorkloadCatalog Workloads { get; } = new(WorkloadCatalog.DefaultCacheDir());

    public HostInfo Host { get; } = HostInfo.Local;

    public static string Version { get; } =
        typeof(App).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public PlanCatalog PlanCatalog => new(RuntimeRegistry.ByName, RuntimeRegistry.OptionsByKind, ExperimentRegistry.Names, Workloads.Workloads);

    public static SqliteResultStore OpenStore(string path) => SqliteResultStore.Open(path);

    /// <summary>Core's seam to the local gateway (cold start <c>via: gateway</c>, experiments that aim load at a gateway).</summary>
    public IGatewayLauncher Gateways { get; } = new GatewayLauncher();

    /// <summary>The kubeconfig given on the command line (<c>--kubeconfig</c>); null: each knative profile's, then the standard places.</summary>
    public string? Kubeconfig { get; set; }

    public IRuntime Runtime(RuntimeProfile profile) => profile.Kind switch
    {
        RuntimeKinds.Knative => new KnativeRuntime(profile, Clock, Kubeconfig),
        RuntimeKinds.OpenFaas => new Sandbench.Kubernetes.OpenFaas.OpenFaasRuntime(profile, Clock),
        _ => RuntimeRegistry.Create(profile, Ledger, Workloads),
    };

    /// <summary>The workloads one sandbox runs (all but the application flows, which the flow experiment runs as several).</summary>
    public IReadOnlyList<string> SingleWorkloads => [.. Workloads.Workloads.Where(w => !Core.Workloads.Flows.IsFlow(w))];

    public RunExecutor Executor(SqliteResultStore store) =>
        new(store, Workloads, Runtime, Clock, Host, Version, RunIds.New, Gateways, new Sandbench.Workloads.Images.ImageLab(),
            new Sandbench.Workloads.Retail.RetailBackends(Workloads.CacheDir));

    /// <summary>The example plans shipped inside the tool.</summary>
    public static IReadOnlyDictionary<string, string> EmbeddedPlans()
    {
        var asm = typeof(App).Assembly;
        var plans = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.StartsWith("plans/", StringComparison.Ordinal)))
        {
            using var s = asm.GetManifestResourceStream(name)!;
            using var r = new StreamReader(s);
            plans[Path.GetFileNameWithoutExtension(name)] = r.ReadToEnd();
        }
        return plans;
    }

    public Plan LoadPlan(string? path) => path is null
        ? PlanLoader.Load(EmbeddedPlans()["default"], "default plan", PlanCatalog)
        : File.Exists(path) ? PlanLoader.LoadFile(path, PlanCatalog)
        : throw new SandbenchException($"{path}: no such plan file (example plans: 'sandbench plans')");
}
