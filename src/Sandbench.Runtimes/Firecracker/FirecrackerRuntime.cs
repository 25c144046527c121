using System.Text.Json.Nodes;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;
using Sandbench.Runtimes.VmmApi;

namespace Sandbench.Runtimes.Firecracker;

/// <summary>
/// Firecracker, driven over its API socket as its documents describe: spawn <c>firecracker --api-sock</c>
/// → <c>GET /</c> answers (<c>vmm-ready</c>, Firecracker's own "VMM start to API ready") →
/// <c>PUT /machine-config</c>, <c>/boot-source</c>, <c>/drives/rootfs</c> (only with a <c>rootfs</c>),
/// <c>/network-interfaces/eth0</c> → <c>PUT /actions InstanceStart</c> (<c>boot</c>) → the guest kernel's first
/// console line (<c>guest-kernel</c>) → init's markers → the workload's ready marker (<c>listening</c>) →
/// first response byte from the guest's address on its TAP device.
/// The guest boots Debian's cloud kernel as an ELF vmlinux (unpacked from the bzImage) with the same
/// initramfs as QEMU: the workload runs from the initramfs, no root block device is needed.
/// Options: <c>binary</c>, <c>flags</c> (extra Firecracker arguments), <c>memory</c> (MiB), <c>vcpus</c>,
/// <c>append</c> (extra kernel arguments), <c>rootfs</c> (an image attached read-only as the root drive,
/// /dev/vda; the workload still starts from the initramfs), <c>network</c> (tap, none),
/// <c>guest-address</c> (send requests there instead of the TAP guest address; used by the protocol tests).
/// </summary>
public sealed class FirecrackerRuntime(RuntimeProfile profile, SandboxLedger ledger, IArtifactProvider guestImages) : IRuntime
{
    public const string InstallHint =
        "Firecracker release tarball from github.com/firecracker-microvm/firecracker/releases (put firecracker on PATH); needs /dev/kvm";

    public RuntimeProfile Profile { get; } = profile;

    public RuntimeCapabilities Capabilities { get; } =
        new(SocketActivation: false, SharesHostClock: false, HostLoopback: false, GuestMarker: true, OwnEndpoint: true);

    private string BinaryName => Profile.Option("binary") ?? "firecracker";

    public Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct) =>
        VmmHost.ProbeAsync(Profile, BinaryName, InstallHint, (Profile.Option("network") ?? "tap") == "tap", ledger,
            (bin, spec, net) => Launch(bin, spec, net, new Dictionary<string, string>()), ct);

    private VmmLaunch Launch(string bin, SandboxSpec spec, GuestNetwork net, IReadOnlyDictionary<string, string> details) =>
        new("firecracker", [bin, .. Native.Flags.Split(Profile.Option("flags")), "--api-sock", Path.Combine(spec.WorkDir, "fc.sock")],
            Path.Combine(spec.WorkDir, "fc.sock"), "/", net, details, Shutdown: null);

    public async Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct)
    {
        string? rootfs = Profile.Option("rootfs");
        if (rootfs is not null && !File.Exists(rootfs)) throw new InvalidOperationException($"rootfs {rootfs} not found");
        // Firecracker's documented x86 guest arguments; its serial console is ttyS0, on its stdout. It exits on the guest's reset.
        var g = await VmmHost.PrepareGuestAsync(Profile, BinaryName, InstallHint, spec, ledger, guestImages,
            "console=ttyS0 reboot=k panic=1 pci=off printk.time=1", "reboot", ct).ConfigureAwait(false);
        g.Details["root"] = rootfs is null ? "initramfs" : "initramfs + rootfs drive";
        var vm = await VmmSandbox.LaunchAsync(Launch(g.Binary, spec, g.Network, g.Details), spec, ledger, phases, ct).ConfigureAwait(false);
        try
        {
            var api = vm.Api;
            await api.PutAsync("/machine-config", new JsonObject { ["vcpu_count"] = g.Vcpus, ["mem_size_mib"] = g.MemoryMib }, ct).ConfigureAwait(false);
            await api.PutAsync("/boot-source", new JsonObject
            {
                ["kernel_image_path"] = g.Vmlinux,
                ["initrd_path"] = g.Image.InitrdPath,
                ["boot_args"] = g.Cmdline,
            }, ct).ConfigureAwait(false);
            if (rootfs is not null)
            {
                await api.PutAsync("/drives/rootfs", new JsonObject
                {
                    ["drive_id"] = "rootfs",
                    ["path_on_host"] = Path.GetFullPath(rootfs),
                    ["is_root_device"] = true,
                    ["is_read_only"] = true,
                }, ct).ConfigureAwait(false);
            }
            if (g.Network.Tap is { } tap)
                await api.PutAsync("/network-interfaces/eth0", new JsonObject { ["iface_id"] = "eth0", ["host_dev_name"] = tap.Name }, ct).ConfigureAwait(false);
            await vm.BootAsync(token => api.PutAsync("/actions", new JsonObject { ["action_type"] = "InstanceStart" }, token), ct).ConfigureAwait(false);
            return vm;
        }
        catch
        {
            await vm.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
