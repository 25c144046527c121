using Sandbench.Core.Runtimes;

namespace Sandbench.Runtimes;

/// <summary>What the VMs' kernel command line tells Sandbench's guest init (see the initramfs's /init).</summary>
internal static class GuestInit
{
    /// <summary>
    /// For a run-to-completion sandbox: <c>sandbench.off=HOW -- run ARGS</c>. The kernel hands what follows
    /// <c>--</c> to init, which runs the workload with ARGS, prints its status and ends the guest with
    /// <paramref name="off"/> (<c>poweroff</c> where the VMM exits on an ACPI power-off: QEMU, Cloud Hypervisor;
    /// <c>reboot</c> on Firecracker, which has no ACPI and exits on the guest's reset). Empty otherwise.
    /// </summary>
    public static string RunArguments(SandboxSpec spec, string off) =>
        spec.RunToCompletion ? $" sandbench.off={off} -- run {string.Join(' ', spec.Args)}".TrimEnd() : "";
}
