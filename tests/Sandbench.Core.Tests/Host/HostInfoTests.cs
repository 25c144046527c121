using System.Globalization;
using Sandbench.Core.Host;

namespace Sandbench.Core.Tests.Host;

public sealed class HostInfoTests
{
    private const string Governor = "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor";
    private const string NoTurbo = "/sys/devices/system/cpu/intel_pstate/no_turbo";
    private const string GenericBoost = "/sys/devices/system/cpu/cpufreq/boost";
    private const string CpuInfo = "/proc/cpuinfo";
    private const string SysVendor = "/sys/class/dmi/id/sys_vendor";
    private const string ProductName = "/sys/class/dmi/id/product_name";
    private const string LoadAvg = "/proc/loadavg";
    private const string CgroupControllers = "/sys/fs/cgroup/cgroup.controllers";

    private const string BareMetalCpuInfo = """
        processor	: 0
        vendor_id	: GenuineIntel
        model name	: Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz
        flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr
        processor	: 1
        vendor_id	: GenuineIntel
        model name	: Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz
        flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr
        """;

    private const string VmCpuInfo = """
        processor	: 0
        vendor_id	: AuthenticAMD
        model name	: AMD EPYC 7B13
        flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr hypervisor lahf_lm
        """;

    /// <summary>A host whose files are exactly these (trimmed, as <see cref="HostInfo.Local"/> reads them); any other path is absent.</summary>
    private static HostInfo Host(params (string Path, string Content)[] files)
    {
        var map = files.ToDictionary(f => f.Path, f => f.Content, StringComparer.Ordinal);
        return new HostInfo(p => map.GetValueOrDefault(p));
    }

    /// <summary>A host set up for measuring: performance governor, boost off, bare metal, idle.</summary>
    private static (string, string)[] QuietHost =>
    [
        (Governor, "performance"),
        (NoTurbo, "1"),
        (CpuInfo, BareMetalCpuInfo),
        (LoadAvg, "0.00 0.01 0.05 1/234 5678"),
    ];

    private static string BusyLoad => string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount * 2}.50 1.00 0.50 9/300 4242");

    [Fact]
    public void Governor_FilePresent_ReturnsIt() =>
        Assert.Equal("powersave", Host((Governor, "powersave")).Governor);

    [Fact]
    public void Governor_NoCpufreq_ReturnsNotAvailable() => Assert.Equal("n/a", Host().Governor);

    [Theory]
    [InlineData("1", null, "off")]
    [InlineData("0", null, "on")]
    [InlineData(null, "1", "on")]
    [InlineData(null, "0", "off")]
    [InlineData("1", "1", "off")] // intel_pstate wins over the generic switch
    [InlineData(null, null, "n/a")]
    public void Boost_Files_ReadsIntelNoTurboThenGenericBoost(string? noTurbo, string? boost, string expected)
    {
        var files = new List<(string, string)>();
        if (noTurbo is not null) files.Add((NoTurbo, noTurbo));
        if (boost is not null) files.Add((GenericBoost, boost));

        Assert.Equal(expected, Host([.. files]).Boost);
    }

    [Fact]
    public void Virtualization_NoHypervisorFlag_ReturnsNone() =>
        Assert.Equal("none", Host((CpuInfo, BareMetalCpuInfo), (SysVendor, "Dell Inc.")).Virtualization);

    [Fact]
    public void Virtualization_NoCpuInfo_ReturnsNone() => Assert.Equal("none", Host().Virtualization);

    [Fact]
    public void Virtualization_HypervisorFlagAndDmiVendor_NamesTheVendor() =>
        Assert.Equal("vm (QEMU)", Host((CpuInfo, VmCpuInfo), (SysVendor, "QEMU")).Virtualization);

    [Fact]
    public void Virtualization_HypervisorFlagNoSysVendor_FallsBackToProductName() =>
        Assert.Equal("vm (Google Compute Engine)", Host((CpuInfo, VmCpuInfo), (ProductName, "Google Compute Engine")).Virtualization);

    [Fact]
    public void Virtualization_HypervisorFlagNoDmi_ReturnsVm() =>
        Assert.Equal("vm", Host((CpuInfo, VmCpuInfo)).Virtualization);

    [Fact]
    public void CpuModel_CpuInfo_ReturnsFirstModelName()
    {
        Assert.Equal("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", Host((CpuInfo, BareMetalCpuInfo)).CpuModel);
        Assert.Equal("unknown", Host().CpuModel);
    }

    [Fact]
    public void CgroupMode_ControllersFilePresent_ReturnsV2() =>
        Assert.Equal("v2", Host((CgroupControllers, "cpuset cpu io memory pids")).CgroupMode);

    [Fact]
    public void CgroupMode_NoControllersFile_IsNotV2() =>
        Assert.NotEqual("v2", Host().CgroupMode); // the v1 and hybrid checks look at the real /sys, so only this much is fixed

    [Fact]
    public void LoadAverage_LoadAvgFile_ReturnsFirstThreeFields()
    {
        Assert.Equal("0.00 0.01 0.05", Host(QuietHost).LoadAverage);
        Assert.Equal("n/a", Host().LoadAverage);
    }

    [Fact]
    public void Warnings_QuietBareMetalHost_None() => Assert.Empty(Host(QuietHost).Warnings());

    [Fact]
    public void Warnings_NoCpufreqNoBoostNoLoadAvg_None() =>
        Assert.Empty(Host((CpuInfo, BareMetalCpuInfo)).Warnings());

    [Fact]
    public void Warnings_PowersaveGovernor_WarnsAboutGovernor()
    {
        var host = Host([.. QuietHost.Where(f => f.Item1 != Governor), (Governor, "powersave")]);

        var warning = Assert.Single(host.Warnings());

        Assert.Equal("cpu.governor", warning.Setting);
        Assert.Equal("powersave", warning.Value);
        Assert.Contains("performance", warning.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void Warnings_BoostOn_WarnsAboutBoost()
    {
        var host = Host([.. QuietHost.Where(f => f.Item1 != NoTurbo), (NoTurbo, "0")]);

        var warning = Assert.Single(host.Warnings());

        Assert.Equal(("cpu.boost", "on"), (warning.Setting, warning.Value));
    }

    [Fact]
    public void Warnings_InsideVm_WarnsAboutVirtualization()
    {
        var host = Host([.. QuietHost.Where(f => f.Item1 != CpuInfo), (CpuInfo, VmCpuInfo), (SysVendor, "QEMU")]);

        var warning = Assert.Single(host.Warnings());

        Assert.Equal(("host.virtualization", "vm (QEMU)"), (warning.Setting, warning.Value));
    }

    [Fact]
    public void Warnings_BusyLoad_WarnsAboutLoad()
    {
        var host = Host([.. QuietHost.Where(f => f.Item1 != LoadAvg), (LoadAvg, BusyLoad)]);

        var warning = Assert.Single(host.Warnings());

        Assert.Equal("host.loadavg", warning.Setting);
        Assert.Equal(string.Join(' ', BusyLoad.Split(' ').Take(3)), warning.Value);
        Assert.Contains("busy", warning.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void Warnings_EverythingWrong_WarnsAboutEach()
    {
        var host = Host((Governor, "ondemand"), (GenericBoost, "1"), (CpuInfo, VmCpuInfo), (LoadAvg, BusyLoad));

        Assert.Equal(["cpu.governor", "cpu.boost", "host.virtualization", "host.loadavg"], host.Warnings().Select(w => w.Setting));
    }

    [Fact]
    public void Capture_FakeFiles_RecordsWhatItRead()
    {
        var host = Host(
        [
            .. QuietHost,
            ("/proc/sys/kernel/osrelease", "6.12.0-1-amd64"),
            ("/etc/os-release", "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nID=debian"),
            ("/proc/meminfo", "MemTotal:       16303428 kB\nMemFree:         1234567 kB"),
            ("/sys/devices/system/cpu/smt/control", "on"),
            (CgroupControllers, "cpu memory"),
        ]);

        var env = host.Capture("9.9.9");

        Assert.Equal("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", env["cpu.model"]);
        Assert.Equal(Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), env["cpu.cores"]);
        Assert.Equal("performance", env["cpu.governor"]);
        Assert.Equal("off", env["cpu.boost"]);
        Assert.Equal("on", env["cpu.smt"]);
        Assert.Equal("6.12.0-1-amd64", env["host.kernel"]);
        Assert.Equal("Debian GNU/Linux 13 (trixie)", env["host.os"]);
        Assert.Equal("none", env["host.virtualization"]);
        Assert.Equal("v2", env["host.cgroups"]);
        Assert.Equal("0.00 0.01 0.05", env["host.loadavg"]);
        Assert.Equal("16303428", env["host.memory_kb"]);
        Assert.Equal("9.9.9", env["tool.version"]);
        Assert.Equal(env.Keys.Order(StringComparer.Ordinal), env.Keys);
    }
}
