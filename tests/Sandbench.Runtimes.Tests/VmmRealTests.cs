using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Runtimes.VmmApi;

namespace Sandbench.Runtimes.Tests;

/// <summary>
/// The real firecracker and cloud-hypervisor, where their binary is on PATH and /dev/kvm opens (and we are
/// root, for the TAP device); skipped elsewhere with the probe's reason.
/// </summary>
[Trait("Category", "Integration")]
public sealed class VmmRealTests : IDisposable
{
    private readonly RuntimeFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Theory]
    [InlineData("firecracker")]
    [InlineData("cloud-hypervisor")]
    public async Task ColdStart_RealVmm_BootsTheGuestOnATapDeviceAndLeavesNothing(string name)
    {
        var runtime = await _f.UsableAsync(name);

        var outcome = await _f.ColdStartAsync(runtime, spec: ExperimentSpec.ColdStartDefaults with { Timeout = TimeSpan.FromSeconds(30) });

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        Assert.Equal("marker", outcome.Readiness);
        var phases = outcome.Phases.ToDictionary(p => p.Key, p => p.Value);
        string[] order = [Phases.Spawn, Phases.VmmReady, Phases.Boot, Phases.GuestKernel, Phases.GuestInit, Phases.GuestNet, Phases.Listening, Phases.RequestSent, Phases.FirstByte];
        for (int i = 1; i < order.Length; i++)
            Assert.True(phases[order[i - 1]] <= phases[order[i]], $"{order[i - 1]} after {order[i]}");
        Assert.InRange(phases[Phases.GuestPrintkInit], phases[Phases.Boot], phases[Phases.GuestInit]);
        Assert.Contains(outcome.Parameters, p => p.Key == "network" && p.Value.StartsWith("tap sbtap", StringComparison.Ordinal));
        string tap = outcome.Parameters.Single(p => p.Key == "network").Value["tap ".Length..];
        Assert.False(Directory.Exists($"/sys/class/net/{tap}"), $"{tap} left behind");
        Assert.Empty(RuntimeFixture.ProcessesMentioning(_f.LastName));
        Assert.Empty(_f.Ledger.Entries());
    }
}

/// <summary>TAP devices for real: needs root (or CAP_NET_ADMIN) and /dev/net/tun; host-local only.</summary>
[Trait("Category", "Integration")]
public sealed class TapDeviceTests
{
    [Fact]
    public async Task Create_ThenDelete_AddressesTheHostSideAndLeavesNothing()
    {
        if (VmmHost.TapProblem() is { } why) Assert.Skip(why);
        var claimed = new List<string>();

        var tap = await TapDevice.CreateAsync(claimed.Add, TestContext.Current.CancellationToken);
        try
        {
            Assert.Equal(tap.Name, claimed[^1]);
            Assert.StartsWith("sbtap", tap.Name, StringComparison.Ordinal);
            Assert.True(Directory.Exists($"/sys/class/net/{tap.Name}"));
            var shown = await Native.Command.RunAsync("ip", ["-o", "-4", "addr", "show", "dev", tap.Name], TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            Assert.Contains($"inet {tap.HostAddress}/30", shown.Stdout, StringComparison.Ordinal);
            Assert.Equal($"sandbench.ip={tap.GuestAddress}/30 sandbench.gw={tap.HostAddress}", tap.BootArgs);
        }
        finally
        {
            await tap.DeleteAsync();
        }

        Assert.False(Directory.Exists($"/sys/class/net/{tap.Name}"));
        Assert.False(await TapDevice.DeleteAsync(tap.Name));
    }

    [Fact]
    public async Task Clean_LedgerEntryWithTap_DeletesTheDevice()
    {
        if (VmmHost.TapProblem() is { } why) Assert.Skip(why);
        string root = Directory.CreateTempSubdirectory("sandbench-tap-clean-").FullName;
        try
        {
            var ledger = new SandboxLedger(Path.Combine(root, "state"));
            var tap = await TapDevice.CreateAsync(_ => { }, TestContext.Current.CancellationToken);
            ledger.Record(new LedgerEntry("sb-tapclean-1", null, null, tap.Name));

            var report = await Cleaner.CleanAsync(ledger, "tapclean", _ => false, TestContext.Current.CancellationToken);

            Assert.Contains($"deleted TAP device {tap.Name} of sb-tapclean-1", report);
            Assert.False(Directory.Exists($"/sys/class/net/{tap.Name}"));
            Assert.Empty(ledger.Entries());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
