using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Core.Tests.Experiments;

/// <summary>A runtime that only describes itself: checks need its profile and capabilities, nothing is started.</summary>
internal sealed class FakeRuntime(string name, RuntimeCapabilities capabilities) : IRuntime
{
    public RuntimeProfile Profile { get; } = new(name, RuntimeKinds.Oci, new Dictionary<string, string>());

    public RuntimeCapabilities Capabilities { get; } = capabilities;

    public Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct) =>
        throw new NotSupportedException("a fake runtime is never probed");

    public Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct) =>
        throw new NotSupportedException("a fake runtime starts nothing");
}
