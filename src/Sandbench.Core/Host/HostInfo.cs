using System.Globalization;
using System.Runtime.InteropServices;

namespace Sandbench.Core.Host;

/// <summary>A host setting that makes figures unstable, with what to do about it.</summary>
public sealed record HostWarning(string Setting, string Value, string Advice);

/// <summary>
/// Reads the facts about the machine that decide whether figures are comparable: CPU, kernel,
/// frequency governor, boost, SMT, virtualization, load. Captured with every run.
/// </summary>
/// <param name="readFile">Reads a /proc or /sys file (null when absent).</param>
/// <param name="exists">Tells whether a file or directory exists.</param>
public sealed class HostInfo(Func<string, string?> readFile, Func<string, bool> exists)
{
    public HostInfo(Func<string, string?> readFile) : this(readFile, p => readFile(p) is not null) { }

    public static HostInfo Local { get; } = new(ReadOrNull, p => File.Exists(p) || Directory.Exists(p));

    /// <summary>Reads a /proc or /sys file of this host (null when absent or unreadable).</summary>
    public string? ReadFile(string path) => readFile(path);

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public string CpuModel => CpuInfoField("model name") ?? "unknown";

    public int Cores => Environment.ProcessorCount;

    public string Kernel => readFile("/proc/sys/kernel/osrelease") ?? RuntimeInformation.OSDescription;

    public string Os => OsRelease("PRETTY_NAME") ?? RuntimeInformation.OSDescription;

    /// <summary>The scaling governor of cpu0, or "n/a" where the kernel exposes none (common in VMs).</summary>
    public string Governor => readFile("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor") ?? "n/a";

    /// <summary>"on", "off" or "n/a", from intel_pstate's no_turbo or the generic cpufreq boost switch.</summary>
    public string Boost
    {
        get
        {
            if (readFile("/sys/devices/system/cpu/intel_pstate/no_turbo") is { } noTurbo) return noTurbo == "1" ? "off" : "on";
            if (readFile("/sys/devices/system/cpu/cpufreq/boost") is { } boost) return boost == "1" ? "on" : "off";
            return "n/a";
        }
    }

    public string Smt => readFile("/sys/devices/system/cpu/smt/control") ?? "n/a";

    /// <summary>"none", or the hypervisor we run under (from the CPU's hypervisor flag and DMI).</summary>
    public string Virtualization
    {
        get
        {
            bool flagged = (CpuInfoField("flags") ?? "").Split(' ').Contains("hypervisor");
            if (!flagged) return "none";
            string? vendor = readFile("/sys/class/dmi/id/sys_vendor") ?? readFile("/sys/class/dmi/id/product_name");
            return string.IsNullOrEmpty(vendor) ? "vm" : $"vm ({vendor})";
        }
    }

    public bool KvmAvailable => exists("/dev/kvm");

    public string LoadAverage => readFile("/proc/loadavg") is { } l ? string.Join(' ', l.Split(' ').Take(3)) : "n/a";

    /// <summary>cgroup v1, v2 or hybrid (v2 mounted beside v1 controllers).</summary>
    public string CgroupMode
    {
        get
        {
            if (readFile("/sys/fs/cgroup/cgroup.controllers") is not null) return "v2";
            if (exists("/sys/fs/cgroup/unified")) return "hybrid";
            return exists("/sys/fs/cgroup/memory") ? "v1" : "unknown";
        }
    }

    public IReadOnlyDictionary<string, string> Capture(string toolVersion) => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["cpu.model"] = CpuModel,
        ["cpu.cores"] = Cores.ToString(CultureInfo.InvariantCulture),
        ["cpu.governor"] = Governor,
        ["cpu.boost"] = Boost,
        ["cpu.smt"] = Smt,
        ["host.kernel"] = Kernel,
        ["host.os"] = Os,
        ["host.virtualization"] = Virtualization,
        ["host.kvm"] = KvmAvailable ? "yes" : "no",
        ["host.cgroups"] = CgroupMode,
        ["host.loadavg"] = LoadAverage,
        ["host.memory_kb"] = MemInfo("MemTotal") ?? "unknown",
        ["tool.version"] = toolVersion,
        ["tool.dotnet"] = RuntimeInformation.FrameworkDescription,
    };

    /// <summary>What makes figures unstable on this host.</summary>
    public IReadOnlyList<HostWarning> Warnings()
    {
        var w = new List<HostWarning>();
        if (Governor is not ("performance" or "n/a"))
            w.Add(new("cpu.governor", Governor, "set the performance governor (cpupower frequency-set -g performance)"));
        if (Boost == "on")
            w.Add(new("cpu.boost", Boost, "turn boost off for stable clocks (echo 1 > /sys/devices/system/cpu/intel_pstate/no_turbo)"));
        if (Virtualization != "none")
            w.Add(new("host.virtualization", Virtualization, "running inside a VM: neighbours and the hypervisor add noise; compare only runs from the same host"));
        if (readFile("/proc/loadavg") is { } l && double.TryParse(l.Split(' ')[0], CultureInfo.InvariantCulture, out double load1) && load1 > Cores * 0.5)
            w.Add(new("host.loadavg", LoadAverage, "the host is busy: stop other work before measuring"));
        return w;
    }

    private string? CpuInfoField(string name) =>
        (readFile("/proc/cpuinfo") ?? "").Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
            .FirstOrDefault();

    private string? OsRelease(string key) =>
        (readFile("/etc/os-release") ?? "").Split('\n')
            .Where(l => l.StartsWith(key + "=", StringComparison.Ordinal))
            .Select(l => l[(key.Length + 1)..].Trim('"'))
            .FirstOrDefault();

    private string? MemInfo(string key) =>
        (readFile("/proc/meminfo") ?? "").Split('\n')
            .Where(l => l.StartsWith(key + ":", StringComparison.Ordinal))
            .Select(l => l[(key.Length + 1)..].Trim().Split(' ')[0])
            .FirstOrDefault();
}
