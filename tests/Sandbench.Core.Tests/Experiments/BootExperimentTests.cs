using Microsoft.Extensions.Time.Testing;
using Sandbench.Core.Experiments;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Core.Tests.Experiments;

/// <summary>The boot experiment's bookkeeping, on a scripted VM whose phases advance a fake clock.</summary>
public sealed class BootExperimentTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch.AddSeconds(1));
    private readonly string _dir = Directory.CreateTempSubdirectory("sandbench-boot-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Artifact Hello = new("hello", "/bin/hello", "/rootfs", "/bin/hello", "hash", 900_000, []);

    private TrialContext Context(IRuntime runtime, TimeSpan? timeout = null) => new(
        new TrialPlan(ExperimentSpec.ColdStartDefaults with { Type = "boot", Timeout = timeout ?? TimeSpan.FromSeconds(30) },
            runtime.Profile, "hello", 0, false),
        runtime, Hello, "sb-test-1", _dir, new MonotonicClock(_time));

    private static ProcessResources Proc(long rssKb) =>
        new(p => p.EndsWith("smaps_rollup", StringComparison.Ordinal) ? $"Rss: {rssKb} kB\nPss: {rssKb / 2} kB\n" : null);

    [Fact]
    public async Task Run_VmThatPowersOff_TimesBootRunVmmAndImage()
    {
        var vm = new ScriptedVm(_time, exit: new SandboxExit(true, "powered off"));
        var outcome = await new BootExperiment(Proc(1000)).RunAsync(Context(vm), CancellationToken.None);

        Assert.Equal(TrialStatus.Ok, outcome.Status);
        var s = outcome.Samples.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(2_100e6, s[BootExperiment.RunMetric]);   // spawn → exit
        Assert.Equal(1_500e6, s[BootExperiment.BootMetric]);  // cont → init
        Assert.Equal(80e6, s[BootExperiment.VmmMetric]);      // spawn → answers commands
        Assert.Equal(5_000_000 + 20_000_000, s[BootExperiment.ImageMetric]);
        Assert.Equal(1000 * 1024, s[BootExperiment.RssPeakMetric]);
        Assert.Equal(500 * 1024, s[BootExperiment.PssPeakMetric]);
        Assert.NotEmpty(outcome.Resources);
        Assert.Equal("powered off", outcome.Parameters["exit"]);
        Assert.True(vm.Started!.RunToCompletion);
        Assert.Equal(BootExperiment.RunArgs, vm.Started.Args);
        Assert.True(vm.Disposed);
        var phases = outcome.Phases.ToDictionary(p => p.Key, p => p.Value / 1_000_000);
        Assert.Equal(new Dictionary<string, long>
        {
            [Phases.Spawn] = 0, [Phases.VmmCommands] = 80, [Phases.Boot] = 100, [Phases.GuestInit] = 1600, [Phases.Exit] = 2100, [Phases.Done] = 2100,
        }, phases);
    }

    [Fact]
    public async Task Run_GuestWorkloadFailed_FailedTrialWithTheReasonAndNoTimes()
    {
        var vm = new ScriptedVm(_time, exit: new SandboxExit(false, "the guest's workload exited with code 2"));
        var outcome = await new BootExperiment(Proc(10)).RunAsync(Context(vm), CancellationToken.None);

        Assert.Equal(TrialStatus.Failed, outcome.Status);
        Assert.Equal("the guest's workload exited with code 2", outcome.Error);
        Assert.DoesNotContain(outcome.Samples, p => p.Key == BootExperiment.RunMetric);
        Assert.True(vm.Disposed);
    }

    [Fact]
    public async Task Run_GuestNeverPowersOff_TimeoutAndTheVmIsDisposed()
    {
        var vm = new ScriptedVm(_time, exit: null);
        var outcome = await new BootExperiment(Proc(10)).RunAsync(Context(vm, TimeSpan.FromSeconds(5)), CancellationToken.None);

        Assert.Equal(TrialStatus.Timeout, outcome.Status);
        Assert.StartsWith("the sandbox did not end within 5s (last phase: ", outcome.Error, StringComparison.Ordinal);
        Assert.True(vm.Disposed);
    }

    [Fact]
    public void Check_ReadinessGiven_Refused()
    {
        var problem = Assert.Single(new BootExperiment().Check(ExperimentSpec.ColdStartDefaults with { Readiness = ReadinessMethod.Socket },
            new ScriptedVm(_time, null)));

        Assert.Equal("vm: boot waits for the sandbox to end on its own and takes no readiness method", problem);
    }

    /// <summary>A VM whose start marks the VMM phases and whose wait for exit lets 2 s pass on the fake clock.</summary>
    private sealed class ScriptedVm(FakeTimeProvider time, SandboxExit? exit) : IRuntime, ISandbox
    {
        public SandboxSpec? Started { get; private set; }
        public bool Disposed { get; private set; }
        private PhaseClock? _phases;

        public RuntimeProfile Profile { get; } = new("vm", RuntimeKinds.Qemu, new Dictionary<string, string>());
        public RuntimeCapabilities Capabilities { get; } = new(false, false, true, GuestMarker: true);
        public Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct) => throw new NotSupportedException();

        public Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct)
        {
            Started = spec;
            _phases = phases;
            phases.Mark(Phases.Spawn);
            time.Advance(TimeSpan.FromMilliseconds(80));
            phases.Mark(Phases.VmmCommands);
            time.Advance(TimeSpan.FromMilliseconds(20));
            phases.Mark(Phases.Boot);
            return Task.FromResult<ISandbox>(this);
        }

        public string Name => "sb-test-1";
        public IReadOnlyList<int> ProcessIds => [4242];
        public IReadOnlyDictionary<string, string> Details { get; } =
            new Dictionary<string, string> { ["kernel_bytes"] = "5000000", ["initrd_bytes"] = "20000000" };

        public bool HasExited(out string reason)
        {
            reason = "";
            return false;
        }

        public SandboxExit? WaitForExit(TimeSpan timeout, CancellationToken ct)
        {
            time.Advance(TimeSpan.FromMilliseconds(1500));
            _phases!.Mark(Phases.GuestInit);
            time.Advance(TimeSpan.FromMilliseconds(500));
            return exit;
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
