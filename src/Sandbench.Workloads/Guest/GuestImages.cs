using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Sandbench.Core;
using Sandbench.Core.Workloads;

namespace Sandbench.Workloads.Guest;

/// <summary>
/// Builds what a microVM boots: Debian's cloud kernel (fetched once with <c>apt-get download</c>,
/// unpacked, its version recorded) and an initramfs of busybox-static, the virtio modules that
/// kernel needs, the workload, and an /init that brings up the network and prints phase markers on
/// the serial console. Both are cached by content hash.
/// </summary>
internal static class GuestImages
{
    /// <summary>Modules the cloud kernel needs for virtio-net on the microvm machine (load order is computed).</summary>
    private static readonly string[] Modules =
    [
        "drivers/virtio/virtio.ko", "drivers/virtio/virtio_ring.ko", "drivers/virtio/virtio_mmio.ko",
        "net/core/failover.ko", "drivers/net/net_failover.ko", "drivers/net/virtio_net.ko",
        // virtio over PCI, for machine types with a PCI bus (q35).
        "drivers/virtio/virtio_pci_modern_dev.ko", "drivers/virtio/virtio_pci_legacy_dev.ko", "drivers/virtio/virtio_pci.ko",
    ];

    public const string InitMarker = "sandbench-init";

    /// <summary>Printed by init, with the workload's exit status, before it powers the guest off (run mode).</summary>
    public const string ExitMarker = "sandbench-exit";
    public const string NetMarker = "sandbench-net";

    /// <summary>
    /// The modules in an order that loads: each after those its <c>depends=</c> (in the module's
    /// .modinfo) names, since the package ships no modules.dep and the order changes between kernels.
    /// </summary>
    public static IReadOnlyList<string> LoadOrder(IReadOnlyDictionary<string, byte[]> modules)
    {
        var deps = modules.ToDictionary(m => m.Key, m => Depends(m.Value), StringComparer.Ordinal);
        var order = new List<string>();
        void Visit(string name, HashSet<string> path)
        {
            if (order.Contains(name) || !deps.TryGetValue(name, out var needs)) return;
            if (!path.Add(name)) throw new InvalidOperationException($"kernel modules depend on each other in a cycle at {name}");
            foreach (var d in needs) Visit(d, path);
            order.Add(name);
        }
        foreach (var m in modules.Keys) Visit(m, []);
        return order;
    }

    private static string[] Depends(byte[] ko)
    {
        byte[] key = Encoding.ASCII.GetBytes("depends=");
        int i = ko.AsSpan().IndexOf(key);
        if (i < 0) return [];
        int start = i + key.Length, end = start;
        while (end < ko.Length && ko[end] != 0) end++;
        return Encoding.ASCII.GetString(ko, start, end - start).Split(',', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// The /init script: markers go to the console, then the workload replaces it as PID 1. Kernel
    /// messages stop reaching the console once init runs, so they cannot split a marker line.
    /// Given <c>sandbench.run=ARG,ARG...</c> on the kernel command line, init runs the workload with those
    /// arguments to completion, prints its exit status and ends the guest (<c>poweroff -f</c>, or
    /// <c>reboot -f</c> given <c>sandbench.off=reboot</c>). Not init's own argv: firmware may append to the
    /// command line (OVMF adds <c>initrd=initrd</c>), and what follows <c>--</c> would reach the workload.
    /// The guest's address, gateway and port come from the kernel command line when given
    /// (<c>sandbench.ip=ADDR/PREFIX</c>, <c>sandbench.gw=ADDR</c>, <c>sandbench.port=N</c>, for a VMM
    /// on a TAP device); the defaults suit QEMU's user networking.
    /// </summary>
    public static string InitScript(string binary, IReadOnlyList<string> args, IReadOnlyList<string> moduleOrder) =>
        $$"""
        #!/bin/busybox sh
        /bin/busybox echo {{InitMarker}}
        /bin/busybox mount -t proc proc /proc
        /bin/busybox echo 1 > /proc/sys/kernel/printk
        /bin/busybox mount -t sysfs sys /sys
        ip=10.0.2.15/24; gw=10.0.2.2; port=8080; off=poweroff; mode=serve; run=
        for a in $(/bin/busybox cat /proc/cmdline); do
          case "$a" in
            sandbench.ip=*) ip="${a#sandbench.ip=}" ;;
            sandbench.gw=*) gw="${a#sandbench.gw=}" ;;
            sandbench.port=*) port="${a#sandbench.port=}" ;;
            sandbench.off=reboot) off=reboot ;;
            sandbench.run=*) mode=run; run="${a#sandbench.run=}" ;;
          esac
        done
        for m in {{string.Join(' ', moduleOrder)}}; do /bin/busybox insmod /lib/mod/$m.ko; done
        /bin/busybox ip link set lo up
        /bin/busybox ip link set eth0 up
        /bin/busybox ip addr add "$ip" dev eth0
        /bin/busybox ip route add default via "$gw"
        /bin/busybox echo {{NetMarker}}
        export PORT="$port"
        if [ "$mode" = run ]; then
            IFS=,; set -- $run; unset IFS
            {{binary}} {{string.Join(' ', args)}} "$@"
            /bin/busybox echo {{ExitMarker}} $?
            /bin/busybox $off -f
        fi
        exec {{binary}} {{string.Join(' ', args)}}

        """;

    public static async Task<(string Path, string Version, long Bytes)> KernelAsync(string cacheDir, CancellationToken ct)
    {
        string root = System.IO.Path.Combine(cacheDir, "guest");
        Directory.CreateDirectory(root);
        // The newest kernel already unpacked wins; otherwise fetch the one Debian's cloud metapackage points at.
        var existing = Directory.GetDirectories(root, "linux-*")
            .Where(d => System.IO.File.Exists(System.IO.Path.Combine(d, "vmlinuz"))
                && Modules.All(m => System.IO.File.Exists(System.IO.Path.Combine(d, "mod", System.IO.Path.GetFileName(m)))))
            .Order().LastOrDefault();
        if (existing is null)
        {
            string deps = await BuildTools.RunAsync("apt-cache", ["depends", "linux-image-cloud-amd64"], ct).ConfigureAwait(false);
            string pkg = deps.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("Depends: linux-image-", StringComparison.Ordinal))
                .Select(l => l["Depends: ".Length..]).FirstOrDefault()
                ?? throw new SandbenchException("no Debian cloud kernel package found (apt-get update; apt-cache depends linux-image-cloud-amd64)");
            string version = pkg["linux-image-".Length..];
            string tmp = Directory.CreateTempSubdirectory("sandbench-kernel-").FullName;
            try
            {
                await BuildTools.RunAsync("apt-get", ["download", pkg + "-unsigned"], ct, cwd: tmp).ConfigureAwait(false);
                string deb = Directory.GetFiles(tmp, "*.deb").Single();
                await BuildTools.RunAsync("dpkg-deb", ["-x", deb, System.IO.Path.Combine(tmp, "x")], ct).ConfigureAwait(false);
                string dest = System.IO.Path.Combine(root, $"linux-{version}");
                string staging = dest + ".tmp";
                // An older cache of the same kernel lacks modules added since: replace it whole.
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
                if (Directory.Exists(dest)) Directory.Delete(dest, recursive: true);
                Directory.CreateDirectory(System.IO.Path.Combine(staging, "mod"));
                System.IO.File.Copy(System.IO.Path.Combine(tmp, "x", "boot", $"vmlinuz-{version}"), System.IO.Path.Combine(staging, "vmlinuz"));
                foreach (var m in Modules)
                    System.IO.File.Copy(System.IO.Path.Combine(tmp, "x", "lib", "modules", version, "kernel", m),
                        System.IO.Path.Combine(staging, "mod", System.IO.Path.GetFileName(m)));
                System.IO.File.WriteAllText(System.IO.Path.Combine(staging, "version"), version);
                Directory.Move(staging, dest);
                existing = dest;
            }
            finally
            {
                Directory.Delete(tmp, recursive: true);
            }
        }
        string kernel = System.IO.Path.Combine(existing, "vmlinuz");
        return (kernel, System.IO.File.ReadAllText(System.IO.Path.Combine(existing, "version")).Trim(), new FileInfo(kernel).Length);
    }

    /// <summary>A guest image carries one static binary: a workload on the host's language runtime cannot be booted.</summary>
    public static void CheckSupported(Artifact workload)
    {
        if (workload.HostMounts.Count > 0)
            throw new SandbenchException($"unsupported: {workload.Workload} runs on the host's language runtime ({string.Join(", ", workload.HostMounts)}), " +
                "which a guest initramfs does not carry; run it on process, bwrap, runc or runsc");
    }

    /// <summary>The initramfs for a workload, padded with <paramref name="paddingBytes"/> of incompressible data.</summary>
    public static async Task<(string Path, long Bytes)> InitrdAsync(string cacheDir, Artifact workload, string kernelDir, long paddingBytes, CancellationToken ct)
    {
        CheckSupported(workload);
        string busybox = "/bin/busybox";
        if (!System.IO.File.Exists(busybox)) throw new SandbenchException("busybox not found: the initramfs needs busybox-static (apt-get install busybox-static)");
        var modules = Modules.ToDictionary(m => System.IO.Path.GetFileNameWithoutExtension(m),
            m => System.IO.File.ReadAllBytes(System.IO.Path.Combine(kernelDir, "mod", System.IO.Path.GetFileName(m))), StringComparer.Ordinal);
        string init = InitScript(workload.BinaryInRootfs, workload.LeadingArgs, LoadOrder(modules));
        var inputs = new List<byte[]> { Encoding.UTF8.GetBytes(init), System.IO.File.ReadAllBytes(busybox), System.IO.File.ReadAllBytes(workload.BinaryPath), BitConverter.GetBytes(paddingBytes) };
        foreach (var m in Modules) inputs.Add(modules[System.IO.Path.GetFileNameWithoutExtension(m)]);
        string hash = Convert.ToHexStringLower(SHA256.HashData(inputs.SelectMany(b => SHA256.HashData(b)).ToArray()))[..16];
        string path = System.IO.Path.Combine(cacheDir, "guest", $"initrd-{workload.Workload}-{hash}.cpio.gz");
        if (!System.IO.File.Exists(path))
        {
            string tmp = path + $".{Environment.ProcessId}.tmp";
            await using (var file = System.IO.File.Create(tmp))
            await using (var gz = new GZipStream(file, CompressionLevel.Optimal))
            {
                var cpio = new CpioWriter(gz);
                foreach (var d in new[] { "bin", "dev", "proc", "sys", "tmp", "lib", "lib/mod" }) cpio.Directory(d);
                cpio.CharDevice("dev/console", 5, 1);
                cpio.File("init", inputs[0], executable: true);
                cpio.File("bin/busybox", inputs[1], executable: true);
                cpio.File(workload.BinaryInRootfs.TrimStart('/'), inputs[2], executable: true);
                for (int i = 0; i < Modules.Length; i++) cpio.File($"lib/mod/{System.IO.Path.GetFileName(Modules[i])}", inputs[4 + i], executable: false);
                if (paddingBytes > 0)
                {
                    // Random bytes do not compress: the initrd really grows by this much.
                    var pad = new byte[paddingBytes];
                    new Random(42).NextBytes(pad);
                    cpio.File("padding", pad, executable: false);
                }
                cpio.Trailer();
            }
            System.IO.File.Move(tmp, path, overwrite: true);
        }
        return (path, new FileInfo(path).Length);
    }
}
