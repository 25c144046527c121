using Sandbench.Core;
using Sandbench.Core.Runtimes;
using Sandbench.Runtimes.Bwrap;
using Sandbench.Runtimes.CloudHypervisor;
using Sandbench.Runtimes.Firecracker;
using Sandbench.Core.Workloads;
using Sandbench.Runtimes.Oci;
using Sandbench.Runtimes.Qemu;
using Sandbench.Runtimes.HostProcess;

namespace Sandbench.Runtimes;

/// <summary>The one table of runtimes: built-in profiles, the options each kind takes, and the factory.</summary>
public static class RuntimeRegistry
{
    private static RuntimeProfile P(string name, string kind, params (string Key, string Value)[] options) =>
        new(name, kind, options.ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal));

    /// <summary>Built-in profiles, in the order the default plan runs them.</summary>
    public static IReadOnlyList<RuntimeProfile> BuiltIn { get; } =
    [
        P("process", RuntimeKinds.Process),
        P("bwrap", RuntimeKinds.Bwrap, ("binary", "bwrap"), ("network", "host")),
        P("runc", RuntimeKinds.Oci, ("binary", "runc"), ("network", "host")),
        P("crun", RuntimeKinds.Oci, ("binary", "crun"), ("network", "host")),
        // Debian 12's runsc has only the ptrace platform and no --preserve-fds (see docs/methodology.md).
        P("runsc", RuntimeKinds.Oci, ("binary", "runsc"), ("flags", "--platform=ptrace --network=host --ignore-cgroups"),
            ("network", "host"), ("socket-activation", "false"), ("shares-host-clock", "false")),
        // A VM per container, which mirrors the container's network namespace into the VM: hence a namespace of its own.
        P("kata", RuntimeKinds.Oci, ("binary", "kata-runtime"), ("network", "netns"), ("socket-activation", "false"), ("shares-host-clock", "false"),
            ("install", "Kata Containers release tarball (kata-static-*.tar.xz, github.com/kata-containers/kata-containers/releases); "
                + "Kata 2.x+ runs containers through containerd's containerd-shim-kata-v2, not through kata-runtime create")),
        P("urunc", RuntimeKinds.Oci, ("binary", "urunc"), ("network", "netns"), ("socket-activation", "false"), ("shares-host-clock", "false"),
            ("install", "urunc release binary from github.com/urunc-dev/urunc/releases, with the monitor (qemu, firecracker, solo5) its unikernels use")),
        // TCG here (no /dev/kvm); KVM wherever /dev/kvm opens. Debian's cloud kernel, busybox initramfs.
        P("qemu", RuntimeKinds.Qemu, ("binary", "qemu-system-x86_64"), ("machine", "microvm"), ("memory", "256"), ("vcpus", "1")),
        // KVM only; the same kernel (as ELF vmlinux) and initramfs as qemu, a TAP device per sandbox.
        P("firecracker", RuntimeKinds.Firecracker, ("binary", "firecracker"), ("memory", "256"), ("vcpus", "1"), ("network", "tap")),
        P("cloud-hypervisor", RuntimeKinds.CloudHypervisor, ("binary", "cloud-hypervisor"), ("memory", "256"), ("vcpus", "1"), ("network", "tap")),
        // Knative Services on the cluster of the kubeconfig; the RuntimeClass picks the sandbox (docs/knative.md).
        P("knative", RuntimeKinds.Knative),
        P("knative-gvisor", RuntimeKinds.Knative, ("runtime-class", "gvisor")),
        P("knative-kata", RuntimeKinds.Knative, ("runtime-class", "kata-qemu")),
        // Functions behind the OpenFaaS gateway on this machine (a port-forward to a cluster's, or faasd); docs/openfaas.md.
        P("openfaas", RuntimeKinds.OpenFaas),
    ];

    /// <summary>Options of kind knative (Sandbench.Kubernetes reads them).</summary>
    public static IReadOnlyList<string> KnativeOptions { get; } =
    [
        "kubeconfig", "context", "namespace", "runtime-class", "image", "gateway", "container-port",
        "min-scale", "max-scale", "initial-scale", "container-concurrency", "stable-window", "scale-to-zero-retention", "zero-timeout",
        "load-image", "broker",
    ];

    /// <summary>Options of kind openfaas (Sandbench.Kubernetes reads them).</summary>
    public static IReadOnlyList<string> OpenFaasOptions { get; } =
    [
        "gateway", "user", "password-file", "namespace", "image", "process", "min-scale", "max-scale", "profile", "poll", "zero-timeout",
    ];

    /// <summary>Built-in profiles that run on this host (not on a cluster): what the one-experiment verbs run by default.</summary>
    public static IReadOnlyList<string> Local { get; } = [.. BuiltIn.Where(p => !RuntimeKinds.Cluster.Contains(p.Kind)).Select(p => p.Name)];

    /// <summary>Options a plan may set, per kind.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> OptionsByKind { get; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            [RuntimeKinds.Process] = [],
            [RuntimeKinds.Bwrap] = ["binary", "flags", "network"],
            [RuntimeKinds.Oci] = ["binary", "flags", "network", "socket-activation", "shares-host-clock"],
            [RuntimeKinds.Qemu] = ["binary", "machine", "memory", "vcpus", "accel", "firmware", "initrd-padding", "append"],
            [RuntimeKinds.Firecracker] = ["binary", "flags", "memory", "vcpus", "append", "rootfs", "network", "guest-address"],
            [RuntimeKinds.CloudHypervisor] = ["binary", "flags", "memory", "vcpus", "append", "network", "guest-address"],
            [RuntimeKinds.Knative] = KnativeOptions,
            [RuntimeKinds.OpenFaas] = OpenFaasOptions,
        };

    public static IReadOnlyDictionary<string, RuntimeProfile> ByName { get; } =
        BuiltIn.ToDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>A built-in profile by name; the error lists the valid names.</summary>
    public static RuntimeProfile Get(string name) =>
        ByName.TryGetValue(name, out var p) ? p
        : throw new SandbenchException($"unknown runtime '{name}' (valid: {string.Join(", ", ByName.Keys)})");

    public static IRuntime Create(RuntimeProfile profile, SandboxLedger ledger, IArtifactProvider artifacts) => profile.Kind switch
    {
        RuntimeKinds.Qemu => new QemuRuntime(profile, ledger, artifacts),
        RuntimeKinds.Process => new ProcessRuntime(profile, ledger),
        RuntimeKinds.Bwrap => new BwrapRuntime(profile, ledger),
        RuntimeKinds.Oci => new OciRuntime(profile, ledger),
        RuntimeKinds.Firecracker => new FirecrackerRuntime(profile, ledger, artifacts),
        RuntimeKinds.CloudHypervisor => new CloudHypervisorRuntime(profile, ledger, artifacts),
        RuntimeKinds.Knative or RuntimeKinds.OpenFaas =>
            throw new SandbenchException($"{profile.Name}: {profile.Kind} runtimes are created by the program that references Sandbench.Kubernetes"),
        _ => throw new SandbenchException($"unknown runtime kind '{profile.Kind}' (valid: {string.Join(", ", RuntimeKinds.All)})"),
    };
}
