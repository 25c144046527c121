namespace Sandbench.Core.Runtimes;

/// <summary>The kinds of runtime Sandbench knows how to drive.</summary>
public static class RuntimeKinds
{
    public const string Process = "process";
    public const string Bwrap = "bwrap";
    public const string Oci = "oci";
    public const string Qemu = "qemu";
    public const string Firecracker = "firecracker";
    public const string CloudHypervisor = "cloud-hypervisor";
    /// <summary>Knative Services on a Kubernetes cluster, one RuntimeClass per profile (driven by Sandbench.Kubernetes).</summary>
    public const string Knative = "knative";
    /// <summary>Functions behind an OpenFaaS gateway, driven through its REST API (by Sandbench.Kubernetes).</summary>
    public const string OpenFaas = "openfaas";

    /// <summary>The kinds whose sandboxes live on a cluster the host does not run (<see cref="IClusterRuntime"/>).</summary>
    public static IReadOnlyList<string> Cluster { get; } = [Knative, OpenFaas];

    /// <summary>The kinds that boot a guest kernel.</summary>
    public static IReadOnlyList<string> Vm { get; } = [Qemu, Firecracker, CloudHypervisor];

    public static IReadOnlyList<string> All { get; } = [Process, Bwrap, Oci, Qemu, Firecracker, CloudHypervisor, Knative, OpenFaas];
}

/// <summary>
/// A named configuration of a runtime kind: <c>runc</c> and <c>runsc</c> are both <c>oci</c> profiles
/// with different binaries and flags. Configuration only; <see cref="IRuntime"/> is the running object.
/// </summary>
public sealed record RuntimeProfile(string Name, string Kind, IReadOnlyDictionary<string, string> Options)
{
    public string? Option(string key) => Options.TryGetValue(key, out var v) ? v : null;

    public RuntimeProfile With(IReadOnlyDictionary<string, string> overrides)
    {
        var merged = new Dictionary<string, string>(Options, StringComparer.Ordinal);
        foreach (var (k, v) in overrides) merged[k] = v;
        return this with { Options = merged };
    }
}
