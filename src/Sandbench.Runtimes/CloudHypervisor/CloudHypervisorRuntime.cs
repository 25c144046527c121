using System.Text.Json.Nodes;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;
using Sandbench.Runtimes.VmmApi;

namespace Sandbench.Runtimes.CloudHypervisor;

/// <summary>
/// Cloud Hypervisor, driven over its REST API (<c>/api/v1</c>) on a unix socket: spawn
/// <c>cloud-hypervisor --api-socket path=...</c> → <c>GET vmm.ping</c> answers (<c>vmm-ready</c>) →
/// <c>PUT vm.create</c> (cpus, memory, payload with kernel, initramfs and cmdline, a TAP net device, serial on
/// its stdout, virtio console off) → <c>PUT vm.boot</c> (<c>boot</c>) → the guest's console lines and markers
/// as for Firecracker → first response byte from the guest's address on its TAP device. Teardown:
/// <c>vm.shutdown</c>, <c>vmm.shutdown</c>, then signals if it is still there.
/// The kernel is Debian's cloud kernel as an ELF vmlinux, entered through its PVH note.
/// Options: <c>binary</c>, <c>flags</c> (extra arguments), <c>memory</c> (MiB), <c>vcpus</c>, <c>append</c>,
/// <c>network</c> (tap, none), <c>guest-address</c> (as for Firecracker; used by the protocol tests).
/// </summary>
public sealed class CloudHypervisorRuntime(RuntimeProfile profile, SandboxLedger ledger, IArtifactProvider guestImages) : IRuntime
{
    public const string InstallHint =
        "Cloud Hypervisor static binary from github.com/cloud-hypervisor/cloud-hypervisor/releases (as cloud-hypervisor on PATH); needs /dev/kvm";

    public RuntimeProfile Profile { get; } = profile;

    public RuntimeCapabilities Capabilities { get; } =
        new(SocketActivation: false, SharesHostClock: false, HostLoopback: false, GuestMarker: true, OwnEndpoint: true);

    private string BinaryName => Profile.Option("binary") ?? "cloud-hypervisor";

    public Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct) =>
        VmmHost.ProbeAsync(Profile, BinaryName, InstallHint, (Profile.Option("network") ?? "tap") == "tap", ledger,
            (bin, spec, net) => Launch(bin, spec, net, new Dictionary<string, string>()), ct);

    private VmmLaunch Launch(string bin, SandboxSpec spec, GuestNetwork net, IReadOnlyDictionary<string, string> details)
    {
        string socket = Path.Combine(spec.WorkDir, "ch.sock");
        return new("cloud-hypervisor", [bin, .. Native.Flags.Split(Profile.Option("flags")), "--api-socket", $"path={socket}"],
            socket, "/api/v1/vmm.ping", net, details, ShutdownAsync);
    }

    /// <summary>The documented clean stop: the VM, then the VMM process (which then exits).</summary>
    private static async Task ShutdownAsync(VmmApiClient api, CancellationToken ct)
    {
        try
        {
            await api.PutAsync("/api/v1/vm.shutdown", null, ct).ConfigureAwait(false);
        }
        catch (VmmApiException)
        {
            // No VM yet (vm.create failed or never sent): the VMM still shuts down.
        }
        await api.PutAsync("/api/v1/vmm.shutdown", null, ct).ConfigureAwait(false);
    }

    public async Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct)
    {
        var g = await VmmHost.PrepareGuestAsync(Profile, BinaryName, InstallHint, spec, ledger, guestImages,
            "console=ttyS0 panic=-1 printk.time=1", "poweroff", ct).ConfigureAwait(false);
        var vm = await VmmSandbox.LaunchAsync(Launch(g.Binary, spec, g.Network, g.Details), spec, ledger, phases, ct).ConfigureAwait(false);
        try
        {
            var config = new JsonObject
            {
                ["cpus"] = new JsonObject { ["boot_vcpus"] = g.Vcpus, ["max_vcpus"] = g.Vcpus },
                ["memory"] = new JsonObject { ["size"] = (long)g.MemoryMib << 20 },
                ["payload"] = new JsonObject { ["kernel"] = g.Vmlinux, ["initramfs"] = g.Image.InitrdPath, ["cmdline"] = g.Cmdline },
                // Serial on Cloud Hypervisor's stdout (our console pipe); the virtio console would be a second, unread one.
                ["serial"] = new JsonObject { ["mode"] = "Tty" },
                ["console"] = new JsonObject { ["mode"] = "Off" },
            };
            if (g.Network.Tap is { } tap)
            {
                config["net"] = new JsonArray(new JsonObject
                {
                    ["tap"] = tap.Name,
                    ["ip"] = tap.HostAddress.ToString(),
                    ["mask"] = "255.255.255.252",
                });
            }
            await vm.Api.PutAsync("/api/v1/vm.create", config, ct).ConfigureAwait(false);
            await vm.BootAsync(token => vm.Api.PutAsync("/api/v1/vm.boot", null, token), ct).ConfigureAwait(false);
            return vm;
        }
        catch
        {
            await vm.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
