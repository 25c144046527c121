using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;
using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes.HostProcess;

/// <summary>The baseline: the workload binary as a plain host process, no isolation.</summary>
public sealed class ProcessRuntime(RuntimeProfile profile, SandboxLedger ledger) : IRuntime
{
    public RuntimeProfile Profile { get; } = profile;

    public RuntimeCapabilities Capabilities { get; } = new(SocketActivation: true, SharesHostClock: true, HostLoopback: true);

    public async Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct)
    {
        var artifact = await artifacts.GetAsync("hello", ct).ConfigureAwait(false);
        var r = await Command.RunAsync(artifact.BinaryPath, ["--probe"], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        return new RuntimeProbe(Profile.Name, Profile.Kind, true, "host kernel " + Environment.OSVersion.Version, r.Ok,
            r.Ok ? null : r.Reason(), "built in");
    }

    public Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var env = SandboxEnvironment.For(spec);
        var child = ChildSandbox.Spawn(spec, ledger, phases, new SpawnOptions(spec.Artifact.BinaryPath,
            [spec.Artifact.BinaryPath, .. spec.Artifact.HostArgsWith(spec.Args)], env, spec.ListenSocket, spec.OutputPath,
            StayOnForkCpu: spec.WorkloadCpuKnown is not null));
        if (child.Cpu >= 0) spec.WorkloadCpuKnown?.Invoke(child.Cpu);
        return Task.FromResult<ISandbox>(ChildSandbox.Track(spec, child, ledger));
    }
}
