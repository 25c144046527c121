using System.Globalization;
using System.Net;
using Sandbench.Core.Host;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;
using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes.VmmApi;

/// <summary>What Firecracker and Cloud Hypervisor need from the host, checked cheaply and said plainly.</summary>
internal static class VmmHost
{
    /// <summary>Null when /dev/kvm opens read-write; otherwise why not.</summary>
    public static string? KvmProblem()
    {
        if (!File.Exists("/dev/kvm")) return "needs /dev/kvm (KVM); this host has none";
        try
        {
            using var f = File.Open("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"needs /dev/kvm (KVM); it cannot be opened here: {e.Message}";
        }
    }

    /// <summary>Null when this process can create TAP devices; otherwise why not.</summary>
    public static string? TapProblem()
    {
        if (!File.Exists("/dev/net/tun")) return "TAP networking needs /dev/net/tun (modprobe tun)";
        if (Executables.Find("ip") is null) return "TAP networking needs the ip command (apt-get install iproute2)";
        return HasNetAdmin() ? null : "creating TAP devices needs root or CAP_NET_ADMIN";
    }

    private static bool HasNetAdmin()
    {
        try
        {
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
            return line is not null && ulong.TryParse(line["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong caps)
                && (caps & (1UL << 12)) != 0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// A probe that says everything missing at once: the binary (cheap when absent: nothing is run),
    /// KVM, TAP networking. Only when all are there, a trivial sandbox: the VMM (from <paramref name="launch"/>)
    /// starts and its API answers; booting a guest is what trials measure.
    /// </summary>
    public static async Task<RuntimeProbe> ProbeAsync(RuntimeProfile profile, string binaryName, string hint, bool needsTap,
        SandboxLedger ledger, Func<string, SandboxSpec, GuestNetwork, VmmLaunch> launch, CancellationToken ct)
    {
        string? bin = Executables.Find(binaryName);
        var problems = new List<string>();
        if (bin is null) problems.Add($"{binaryName} not found on PATH");
        if (KvmProblem() is { } kvm) problems.Add(kvm);
        if (needsTap && TapProblem() is { } tap) problems.Add(tap);
        string? version = null;
        if (bin is not null)
        {
            var v = await Command.RunAsync(bin, ["--version"], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
            version = v.Ok ? Oci.OciRuntime.ParseVersion(v.Stdout) : null;
            if (!v.Ok) problems.Add($"{binaryName} --version failed: {v.Reason()}");
        }
        if (problems.Count == 0)
        {
            try
            {
                await TryStartAsync(bin!, ledger, launch, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException or Core.SandbenchException)
            {
                problems.Add(e.Message);
            }
        }
        return new RuntimeProbe(profile.Name, profile.Kind, bin is not null, version, problems.Count == 0,
            problems.Count == 0 ? null : string.Join("; ", problems), hint);
    }

    /// <summary>
    /// What both API-driven VMMs need before they spawn: the binary, the guest (kernel as ELF vmlinux, initramfs),
    /// memory and vCPUs, the network (its TAP device recorded in the ledger first) and the kernel command line
    /// (<paramref name="baseCmdline"/>, the network's, the profile's <c>append</c>, then run-to-completion arguments
    /// ending the guest with <paramref name="off"/>), with the details stored with every trial.
    /// </summary>
    public static async Task<GuestPlan> PrepareGuestAsync(RuntimeProfile profile, string binaryName, string hint, SandboxSpec spec,
        SandboxLedger ledger, IArtifactProvider images, string baseCmdline, string off, CancellationToken ct)
    {
        string bin = Executables.Find(binaryName) ?? throw new InvalidOperationException($"{binaryName} not found on PATH ({hint})");
        var image = await images.GetGuestImageAsync(spec.Artifact.Workload, 0, ct).ConfigureAwait(false);
        string vmlinux = await images.GetUncompressedKernelAsync(image, ct).ConfigureAwait(false);
        string memory = profile.Option("memory") ?? "256", vcpus = profile.Option("vcpus") ?? "1";
        int mem = Number("memory", memory), cpus = Number("vcpus", vcpus);
        GuestNetwork net;
        try
        {
            net = await GuestNetwork.PrepareAsync(profile, spec, tap => ledger.Record(new LedgerEntry(spec.Name, null, spec.WorkDir, tap)), ct).ConfigureAwait(false);
        }
        catch
        {
            ledger.Remove(spec.Name);
            throw;
        }
        string cmdline = $"{baseCmdline} {net.BootArgs} {profile.Option("append")}".Trim() + GuestInit.RunArguments(spec, off);
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["accel"] = "kvm",
            ["memory_mib"] = memory,
            ["vcpus"] = vcpus,
            ["kernel_cmdline"] = cmdline,
            ["guest_kernel"] = image.KernelVersion,
            ["kernel_bytes"] = new FileInfo(vmlinux).Length.ToString(CultureInfo.InvariantCulture),
            ["initrd_bytes"] = image.InitrdBytes.ToString(CultureInfo.InvariantCulture),
            ["network"] = net.Tap is null ? "none" : $"tap {net.Tap.Name}",
        };
        return new GuestPlan(bin, image, vmlinux, mem, cpus, net, cmdline, details);
    }

    /// <summary>A VM size option (memory in MiB, vCPUs) as a positive whole number.</summary>
    internal static int Number(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new InvalidOperationException($"{option} '{text}' is not a positive whole number");

    private static async Task TryStartAsync(string bin, SandboxLedger ledger, Func<string, SandboxSpec, GuestNetwork, VmmLaunch> launch, CancellationToken ct)
    {
        string dir = Directory.CreateTempSubdirectory("sandbench-probe-").FullName;
        try
        {
            var spec = new SandboxSpec
            {
                Name = $"sb-probe-{Environment.ProcessId}",
                Artifact = new Artifact("probe", "", "", "", "", 0, []),
                OutputPath = Path.Combine(dir, "vmm.log"),
                WorkDir = dir,
            };
            var net = new GuestNetwork(null, new IPEndPoint(IPAddress.Loopback, 0), "");
            await using var vm = await VmmSandbox.LaunchAsync(launch(bin, spec, net), spec, ledger, new PhaseClock(MonotonicClock.System), ct)
                .ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>A guest ready to be described to a VMM: see <see cref="VmmHost.PrepareGuestAsync"/>.</summary>
internal sealed record GuestPlan(string Binary, GuestImage Image, string Vmlinux, int MemoryMib, int Vcpus, GuestNetwork Network,
    string Cmdline, Dictionary<string, string> Details);

/// <summary>How the host reaches a microVM's workload: a TAP device, or (tests, other set-ups) an address given in the profile.</summary>
internal sealed record GuestNetwork(TapDevice? Tap, IPEndPoint Endpoint, string BootArgs)
{
    /// <summary>The port the guest's workload listens on when it has its own address.</summary>
    public const int GuestPort = 8080;

    /// <summary>
    /// <c>network</c>: <c>tap</c> (default) creates a TAP device; <c>none</c> creates none. <c>guest-address</c>
    /// overrides where requests go; then the workload listens on the PORT the experiment chose (told to the
    /// guest as <c>sandbench.port</c>). With <c>network: none</c> and no <c>guest-address</c> the guest is unreachable.
    /// </summary>
    public static async Task<GuestNetwork> PrepareAsync(RuntimeProfile profile, SandboxSpec spec, Action<string> claimTap, CancellationToken ct)
    {
        string network = profile.Option("network") ?? "tap";
        if (network is not ("tap" or "none")) throw new InvalidOperationException($"network '{network}' is not tap or none");
        IPAddress? address = null;
        if (profile.Option("guest-address") is { } given && !IPAddress.TryParse(given, out address))
            throw new InvalidOperationException($"guest-address '{given}' is not an IP address");
        if (network == "none" && address is null)
            throw new InvalidOperationException("network: none leaves the guest unreachable from the host; set guest-address or use network: tap");
        int port = GuestPort;
        if (address is not null)
            port = spec.Environment.TryGetValue("PORT", out var p) ? int.Parse(p, CultureInfo.InvariantCulture) : Loopback.FreePort();
        var tap = network == "tap" ? await TapDevice.CreateAsync(claimTap, ct).ConfigureAwait(false) : null;
        string args = $"{tap?.BootArgs} sandbench.port={port}".Trim();
        return new GuestNetwork(tap, new IPEndPoint(address ?? tap!.GuestAddress, port), args);
    }
}
