using Sandbench.Core.Host;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;
using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes.Bwrap;

/// <summary>
/// bubblewrap: namespaces without a container runtime. The root filesystem is bound read-only;
/// every namespace is unshared except the network when <c>network: host</c> (the default), so the
/// function is reachable on host loopback. Inherited fds pass through bwrap, so socket activation works.
/// </summary>
public sealed class BwrapRuntime(RuntimeProfile profile, SandboxLedger ledger) : IRuntime
{
    public RuntimeProfile Profile { get; } = profile;

    public RuntimeCapabilities Capabilities => new(SocketActivation: true, SharesHostClock: true, HostLoopback: !NoNetwork);

    private string BinaryName => Profile.Option("binary") ?? "bwrap";

    private bool NoNetwork => Profile.Option("network") == "none";

    public async Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct)
    {
        string? bin = Executables.Find(BinaryName);
        if (bin is null) return RuntimeProbe.Missing(Profile, BinaryName, "apt-get install bubblewrap");
        var v = await Command.RunAsync(bin, ["--version"], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        string? version = v.Ok ? v.Stdout.Trim().Split(' ').LastOrDefault() : null;
        var artifact = await artifacts.GetAsync("hello", ct).ConfigureAwait(false);
        var r = await Command.RunAsync(bin, Argv(artifact, ["--probe"]).Skip(1), TimeSpan.FromSeconds(20), ct).ConfigureAwait(false);
        return new RuntimeProbe(Profile.Name, Profile.Kind, true, version, r.Ok, r.Ok ? null : r.Reason(), "apt-get install bubblewrap");
    }

    public Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        string bin = Executables.Find(BinaryName) ?? throw new InvalidOperationException($"{BinaryName} not found on PATH");
        var argv = Argv(spec.Artifact, spec.Artifact.ArgsWith(spec.Args)).ToList();
        argv[0] = bin;
        var env = SandboxEnvironment.For(spec);
        var child = ChildSandbox.Spawn(spec, ledger, phases, new SpawnOptions(bin, argv, env, spec.ListenSocket, spec.OutputPath));
        return Task.FromResult<ISandbox>(ChildSandbox.Track(spec, child, ledger));
    }

    private IEnumerable<string> Argv(Artifact artifact, IEnumerable<string> args)
    {
        yield return BinaryName;
        foreach (var a in new[] { "--ro-bind", artifact.RootfsPath, "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--unshare-all" })
            yield return a;
        // A language runtime the workload needs, at its host path (the same bytes the process runtime runs).
        foreach (var m in artifact.HostMounts)
            foreach (var a in new[] { "--ro-bind", m, m }) yield return a;
        if (!NoNetwork) yield return "--share-net";
        foreach (var f in Flags.Split(Profile.Option("flags"))) yield return f;
        yield return artifact.BinaryInRootfs;
        foreach (var a in args) yield return a;
    }
}
