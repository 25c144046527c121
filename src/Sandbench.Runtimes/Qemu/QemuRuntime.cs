using Sandbench.Core.Host;
using System.Globalization;
using System.Net.Sockets;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;
using Sandbench.Runtimes.Native;
using Sandbench.Runtimes.Qmp;

namespace Sandbench.Runtimes.Qemu;

/// <summary>
/// QEMU, started paused (<c>-S</c>) with a QMP socket, so VMM start-up and guest boot are measured apart:
/// spawn → QMP greeting (<c>vmm-ready</c>) → <c>cont</c> (<c>boot</c>) → first byte on the serial console
/// (<c>guest-kernel</c>) → init's marker (<c>guest-init</c>) → network up → the workload's ready marker
/// (<c>listening</c>) → first response byte through <c>hostfwd</c> on 127.0.0.1.
/// Options: <c>binary</c>, <c>machine</c> (microvm, q35), <c>memory</c> (MiB), <c>vcpus</c>,
/// <c>accel</c> (auto, kvm, tcg), <c>firmware</c> (a file given to <c>-bios</c>, e.g. OVMF),
/// <c>initrd-padding</c> (bytes of incompressible data added to the initramfs), <c>append</c> (extra kernel arguments).
/// </summary>
public sealed class QemuRuntime(RuntimeProfile profile, SandboxLedger ledger, IArtifactProvider guestImages) : IRuntime
{
    private static readonly TimeSpan VmmTimeout = TimeSpan.FromSeconds(30);

    public RuntimeProfile Profile { get; } = profile;

    public RuntimeCapabilities Capabilities { get; } = new(SocketActivation: false, SharesHostClock: false, HostLoopback: true, GuestMarker: true);

    private string BinaryName => Profile.Option("binary") ?? "qemu-system-x86_64";

    /// <summary>
    /// The machine type with its properties. microvm gets its PIT switched on unless told otherwise:
    /// without it the guest kernel (TCG here) often fails to calibrate the TSC and hangs (6 of 12
    /// boots measured here), with it 10 of 10 boot.
    /// </summary>
    private string Machine => (Profile.Option("machine") ?? "microvm") is var m && m == "microvm" ? "microvm,pit=on" : m;

    /// <summary>KVM when /dev/kvm can be opened, else TCG (software emulation) — and the trial says which.</summary>
    public string Accel => Profile.Option("accel") is { } a && a != "auto" ? a : KvmUsable() ? "kvm" : "tcg";

    /// <summary>
    /// Under TCG the guest's TSC runs at the host's rate, but the guest's calibration of it against the
    /// emulated PIT fails when emulation is slow (measured here: 6 of 20 boots hung after "Marking TSC
    /// unstable"). Telling the guest the host's TSC rate (<c>tsc_early_khz</c>) skips that calibration;
    /// the value is stored with the trial. Null where the host's rate is unknown or not constant.
    /// </summary>
    private static string? HostTscKhz()
    {
        if (File.Exists("/sys/devices/system/cpu/cpu0/tsc_freq_khz"))
            return File.ReadAllText("/sys/devices/system/cpu/cpu0/tsc_freq_khz").Trim();
        string cpuinfo = File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : "";
        string? flags = cpuinfo.Split('\n').FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        string? mhz = cpuinfo.Split('\n').FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal));
        if (flags is null || mhz is null || !flags.Contains(" constant_tsc", StringComparison.Ordinal)) return null;
        return double.TryParse(mhz[(mhz.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double m)
            ? ((long)(m * 1000)).ToString(CultureInfo.InvariantCulture)
            : null;
    }

    private static bool KvmUsable()
    {
        try
        {
            using var f = File.Open("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public async Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct)
    {
        const string hint = "apt-get install qemu-system-x86 busybox-static";
        string? bin = Executables.Find(BinaryName);
        if (bin is null) return RuntimeProbe.Missing(Profile, BinaryName, hint);
        var v = await Command.RunAsync(bin, ["--version"], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        string version = $"{Oci.OciRuntime.ParseVersion(v.Stdout).Split(' ')[0]} ({Accel})";
        try
        {
            // A trivial sandbox: the VM is built and its VMM answers QMP; booting it is what trials measure.
            await artifacts.GetGuestImageAsync("hello", 0, ct).ConfigureAwait(false);
            string dir = Directory.CreateTempSubdirectory("sandbench-probe-").FullName;
            try
            {
                var spec = new SandboxSpec
                {
                    Name = $"sb-probe-{Environment.ProcessId}",
                    Artifact = await artifacts.GetAsync("hello", ct).ConfigureAwait(false),
                    Environment = new Dictionary<string, string> { ["PORT"] = Loopback.FreePort().ToString(CultureInfo.InvariantCulture) },
                    OutputPath = Path.Combine(dir, "qemu.log"),
                    WorkDir = dir,
                };
                await using var vm = await StartPausedAsync(spec, new PhaseClock(MonotonicClock.System), ct).ConfigureAwait(false);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
            return new RuntimeProbe(Profile.Name, Profile.Kind, true, version, true, null, hint);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException or SocketException or Core.SandbenchException)
        {
            return new RuntimeProbe(Profile.Name, Profile.Kind, true, version, false, e.Message, hint);
        }
    }

    public async Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct)
    {
        var vm = await StartPausedAsync(spec, phases, ct).ConfigureAwait(false);
        try
        {
            await vm.BootAsync(ct).ConfigureAwait(false);
            return vm;
        }
        catch
        {
            await vm.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<QemuSandbox> StartPausedAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct)
    {
        string bin = Executables.Find(BinaryName) ?? throw new InvalidOperationException($"{BinaryName} not found on PATH");
        long padding = Bytes(Profile.Option("initrd-padding") ?? "0");
        var image = await guestImages.GetGuestImageAsync(spec.Artifact.Workload, padding, ct).ConfigureAwait(false);
        string port = spec.Environment.TryGetValue("PORT", out var hp) ? hp : Loopback.FreePort().ToString(CultureInfo.InvariantCulture);
        string qmp = Path.Combine(spec.WorkDir, "qmp.sock");
        string serial = Path.Combine(spec.WorkDir, "serial.sock");
        string accel = Accel;
        bool microvm = Machine.StartsWith("microvm", StringComparison.Ordinal);
        string? tscKhz = accel == "tcg" ? HostTscKhz() : null;
        string append = $"console=ttyS0 panic=-1 printk.time=1 {(tscKhz is null ? "" : $"tsc_early_khz={tscKhz} ")}{Profile.Option("append")}".Trim();
        append += GuestInit.RunArguments(spec, "poweroff");
        var argv = new List<string>
        {
            bin, "-M", Machine, "-accel", accel, "-m", Profile.Option("memory") ?? "256", "-smp", Profile.Option("vcpus") ?? "1",
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-S",
            "-kernel", image.KernelPath, "-initrd", image.InitrdPath,
            "-append", append,
            "-qmp", $"unix:{qmp},server=on,wait=off",
            "-chardev", $"socket,id=ser0,path={serial},server=on,wait=off", "-serial", "chardev:ser0",
            "-netdev", $"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:8080",
            "-device", microvm ? "virtio-net-device,netdev=n0" : "virtio-net-pci,netdev=n0",
        };
        if (Profile.Option("firmware") is { } firmware && firmware != "default")
        {
            if (!File.Exists(firmware)) throw new InvalidOperationException($"firmware {firmware} not found (OVMF: apt-get install ovmf; /usr/share/ovmf/OVMF.fd)");
            argv.AddRange(["-bios", firmware]);
        }

        var env = SandboxEnvironment.For(spec);
        env.Remove("LISTEN_FDS");
        var child = ChildSandbox.Spawn(spec, ledger, phases, new SpawnOptions(bin, argv, env, null, spec.OutputPath));
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["accel"] = accel,
            ["machine"] = Machine,
            ["memory_mib"] = Profile.Option("memory") ?? "256",
            ["vcpus"] = Profile.Option("vcpus") ?? "1",
            ["kernel_cmdline"] = append,
            ["firmware"] = Profile.Option("firmware") ?? "default",
            ["guest_kernel"] = image.KernelVersion,
            ["kernel_bytes"] = image.KernelBytes.ToString(CultureInfo.InvariantCulture),
            ["initrd_bytes"] = image.InitrdBytes.ToString(CultureInfo.InvariantCulture),
            // The exact command line, so it can be checked (and timed by others) as it was run.
            ["command"] = string.Join(' ', argv.Select(Quote)),
        };
        var vm = new QemuSandbox(spec.Name, child, ledger, phases, details, spec.OutputPath);
        try
        {
            var qmpSocket = await ConnectWhenServedAsync(qmp, child, ct).ConfigureAwait(false);
            await vm.AttachAsync(qmpSocket, await ConnectWhenServedAsync(serial, child, ct).ConfigureAwait(false),
                Path.Combine(spec.WorkDir, "serial.log"), ct).ConfigureAwait(false);
            return vm;
        }
        catch
        {
            await vm.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One argument as a POSIX shell reads it back.</summary>
    internal static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@+%".Contains(c, StringComparison.Ordinal))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>A size such as 0, 4096, 16K, 64M or 1G (binary units).</summary>
    internal static long Bytes(string text)
    {
        string t = text.Trim();
        long unit = t.Length > 0 ? char.ToUpperInvariant(t[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 } : 1;
        if (unit > 1) t = t[..^1];
        return long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n <= (4L << 30) / unit
            ? n * unit
            : throw new InvalidOperationException($"initrd-padding '{text}' is not a size such as 16M (at most 4G)");
    }

    /// <summary>
    /// Connects to a unix socket QEMU is about to serve, polling every millisecond: the greeting (vmm-ready)
    /// can come at most that much later than it could. QEMU creates the socket early in its start-up and
    /// answers commands ~70 ms after greeting here (TCG), which no poll spacing changes.
    /// </summary>
    private static async Task<Socket> ConnectWhenServedAsync(string path, ChildProcess child, CancellationToken ct)
    {
        long deadline = Environment.TickCount64 + (long)VmmTimeout.TotalMilliseconds;
        var endpoint = new UnixDomainSocketEndPoint(path);
        return await Task.Factory.StartNew(() =>
        {
            while (true)
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    s.Connect(endpoint);
                    return s;
                }
                catch (SocketException)
                {
                    s.Dispose();
                }
                ct.ThrowIfCancellationRequested();
                if (child.TryReap(out int status)) throw new InvalidOperationException($"qemu {Libc.DescribeStatus(status)} before serving {Path.GetFileName(path)}");
                if (Environment.TickCount64 > deadline) throw new TimeoutException($"qemu did not serve {Path.GetFileName(path)} within {VmmTimeout.TotalSeconds:0} s");
                // Waits, not spins: a spinning thread would take a CPU from QEMU while it sets its machine up.
                ct.WaitHandle.WaitOne(1);
            }
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
    }
}
