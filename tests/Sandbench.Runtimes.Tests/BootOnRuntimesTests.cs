using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Runtimes.Tests;

/// <summary>The boot experiment on real sandboxes: the workload runs to completion and the sandbox ends on its own.</summary>
[Trait("Category", "Integration")]
public sealed class BootOnRuntimesTests : IDisposable
{
    private readonly RuntimeFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Theory]
    [InlineData("process")]
    [InlineData("bwrap")]
    [InlineData("runc")]
    public async Task Boot_HostSandbox_RunsToCompletionWithMemory(string name)
    {
        var runtime = await _f.UsableAsync(name);

        var outcome = await _f.BootAsync(runtime);

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        var phases = outcome.Phases.ToDictionary(p => p.Key, p => p.Value);
        var samples = outcome.Samples.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(phases[Phases.Exit], samples[BootExperiment.RunMetric]);
        Assert.True(phases[Phases.Exit] > 0);
        Assert.DoesNotContain(BootExperiment.BootMetric, samples.Keys);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Boot_Qemu_GuestPowersOffAfterTheWorkload_PhasesInOrderAndVmmMemorySampled()
    {
        var runtime = await _f.UsableAsync("qemu");

        var outcome = await _f.BootAsync(runtime);

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        var phases = outcome.Phases.ToDictionary(p => p.Key, p => p.Value);
        string[] order = [Phases.Spawn, Phases.VmmReady, Phases.VmmCommands, Phases.Boot, Phases.GuestKernel, Phases.GuestInit, Phases.WorkloadExit, Phases.VmmShutdown, Phases.Exit, Phases.Done];
        for (int i = 1; i < order.Length; i++)
            Assert.True(phases[order[i - 1]] <= phases[order[i]], $"{order[i - 1]} after {order[i]}");
        // QEMU exits right after the guest's power-off: reading the console's and QMP's last words must not move the end.
        Assert.InRange(phases[Phases.Exit] - phases[Phases.VmmShutdown], 0, 500_000_000);
        var samples = outcome.Samples.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(phases[Phases.GuestInit] - phases[Phases.Boot], samples[BootExperiment.BootMetric]);
        Assert.Equal(phases[Phases.Exit], samples[BootExperiment.RunMetric]);
        Assert.Equal(phases[Phases.VmmCommands], samples[BootExperiment.VmmMetric]);
        Assert.Equal(long.Parse(outcome.Parameters["kernel_bytes"], System.Globalization.CultureInfo.InvariantCulture)
            + long.Parse(outcome.Parameters["initrd_bytes"], System.Globalization.CultureInfo.InvariantCulture), samples[BootExperiment.ImageMetric]);
        // QEMU with a 256 MiB guest that booted: tens of MiB resident at least, never more than guest RAM plus QEMU itself.
        Assert.InRange(samples[BootExperiment.RssPeakMetric], 20 << 20, 1L << 30);
        Assert.InRange(samples[BootExperiment.PssPeakMetric], 1, samples[BootExperiment.RssPeakMetric]);
        // The guest's RAM (256 MiB) is found in QEMU's mappings: the VMM's own part is what is left, and something is left.
        Assert.InRange(samples[BootExperiment.OverheadPeakMetric], 1 << 20, samples[BootExperiment.RssPeakMetric] - 1);
        Assert.Contains(outcome.Resources, r => r.GuestRssBytes > 0);
        Assert.True(outcome.Resources.Count >= 10, $"{outcome.Resources.Count} readings");
        Assert.All(outcome.Resources, r => Assert.InRange(r.TNs, 0, phases[Phases.Exit]));
        Assert.Equal("the guest's workload exited with code 0; qemu exited with code 0 (guest-shutdown)", outcome.Parameters["exit"]);
        Assert.EndsWith(" sandbench.off=poweroff sandbench.run=--probe", outcome.Parameters["kernel_cmdline"], StringComparison.Ordinal);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Boot_Qemu_GuestWorkloadFails_FailedTrialSaysWhy()
    {
        var runtime = await _f.UsableAsync("qemu");

        // 'hang' runs "hello --hang --probe": a usage error, exit 2, and the guest still powers off.
        var outcome = await _f.BootAsync(runtime, "hang");

        Assert.Equal(TrialStatus.Failed, outcome.Status);
        Assert.StartsWith("the guest's workload exited with code 2; qemu exited with code 0 (guest-shutdown)", outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(outcome.Samples, s => s.Key == BootExperiment.RunMetric);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Boot_Qemu_KernelPanics_FailedTrialWithThePanicFromTheConsole()
    {
        // No /init to run: the kernel panics, panic=-1 resets at once, -no-reboot makes QEMU exit.
        _ = await _f.UsableAsync("qemu");
        var panicking = _f.Runtime("qemu", new Dictionary<string, string> { ["append"] = "rdinit=/nonexistent" });

        var outcome = await _f.BootAsync(panicking);

        Assert.Equal(TrialStatus.Failed, outcome.Status);
        Assert.StartsWith("the guest did not report its workload's exit; qemu exited with code 0 (guest-reset)", outcome.Error, StringComparison.Ordinal);
        Assert.True(outcome.Error!.Contains("Kernel panic", StringComparison.Ordinal), outcome.Error);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Boot_Qemu_GuestStillBootingAtTheTimeout_TimeoutAndTheVmIsKilled()
    {
        var runtime = await _f.UsableAsync("qemu");
        var spec = Core.Plans.ExperimentSpec.ColdStartDefaults with { Type = "boot", Timeout = TimeSpan.FromMilliseconds(800) };

        var outcome = await _f.BootAsync(runtime, spec: spec);

        Assert.Equal(TrialStatus.Timeout, outcome.Status);
        Assert.StartsWith("the sandbox did not end within 800ms", outcome.Error, StringComparison.Ordinal);
        AssertNothingLeft();
    }

    private void AssertNothingLeft()
    {
        Assert.Empty(_f.Ledger.Entries());
        Assert.Empty(RuntimeFixture.ProcessesMentioning(_f.LastName));
    }
}
