using Sandbench.Core.Runtimes;

namespace Sandbench.Runtimes;

/// <summary>What the VMs' kernel command line tells Sandbench's guest init (see the initramfs's /init).</summary>
internal static class GuestInit
{
    /// <summary>
    /// For a run-to-completion sandbox: <c>sandbench.off=HOW sandbench.run=ARG,ARG</c>. The guest's init reads
    /// them from /proc/cmdline (not from its argv: firmware such as OVMF appends <c>initrd=initrd</c> to the
    /// command line, which would reach the workload after a <c>--</c>), runs the workload with the arguments,
    /// prints its status and ends the guest with <paramref name="off"/> (<c>poweroff</c> where the VMM exits on an ACPI power-off: QEMU, Cloud Hypervisor;
    /// <c>reboot</c> on Firecracker, which has no ACPI and exits on the guest's reset). Empty otherwise.
    /// </summary>
    public static string RunArguments(SandboxSpec spec, string off)
    {
        if (!spec.RunToCompletion) return "";
        if (spec.Args.FirstOrDefault(a => a.Length == 0 || a.Any(c => c is ',' or '"' or '\'' || char.IsWhiteSpace(c) || char.IsControl(c))) is { } bad)
            throw new InvalidOperationException($"guest workload argument '{bad}' cannot go on a kernel command line (no spaces, commas or quotes)");
        return $" sandbench.off={off} sandbench.run={string.Join(',', spec.Args)}";
    }
}
