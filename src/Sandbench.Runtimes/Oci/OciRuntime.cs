using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Sandbench.Core.Host;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;
using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes.Oci;

/// <summary>
/// Any OCI runtime CLI (runc, crun, runsc, kata-runtime, urunc, youki). A sandbox is started with
/// <c>create</c> then <c>start</c>, so the two phases are measured apart; it is removed with
/// <c>delete --force</c>. Options: <c>binary</c>, <c>flags</c> (global flags, before the subcommand),
/// <c>network</c> (<c>host</c>: share the host's network namespace; <c>none</c>: a private, empty one;
/// <c>netns</c>: a named one per sandbox with a veth pair to the host, see <see cref="NetNamespace"/>),
/// <c>socket-activation</c> (<c>true</c> when the CLI has <c>--preserve-fds</c>).
/// With <c>netns</c> and socket activation the workload accepts on the socket passed in, which lives in
/// the host's namespace: requests then go to host loopback and the namespace only isolates the rest.
/// </summary>
public sealed class OciRuntime(RuntimeProfile profile, SandboxLedger ledger) : IRuntime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The bound on one create or start when the caller's deadline does not come first. Every trial cancels at its own
    /// timeout; this only catches a runtime that hangs. Hundreds of creates at once on two cores take minutes (seen:
    /// runsc creates past 30 s at N = 250), which is a finding of the trial, not a runtime failure.
    /// </summary>
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How long an interrupted create or start may still take to finish before it is killed.</summary>
    private static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(30);

    public RuntimeProfile Profile { get; } = profile;

    public RuntimeCapabilities Capabilities => new(
        SocketActivation: Profile.Option("socket-activation") != "false",
        // gVisor's Sentry keeps its own clock: a workload's CLOCK_MONOTONIC there is not the host's.
        SharesHostClock: Profile.Option("shares-host-clock") != "false",
        HostLoopback: Network is not ("none" or "netns"),
        OwnEndpoint: Network == "netns");

    private string? Network => Profile.Option("network");

    private string BinaryName => Profile.Option("binary") ?? Profile.Name;

    private IReadOnlyList<string> GlobalFlags => [.. Flags.Split(Profile.Option("flags"))];

    private string InstallHint => Profile.Option("install") ?? $"apt-get install {BinaryName}";

    public async Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct)
    {
        string? bin = Executables.Find(BinaryName);
        if (bin is null) return RuntimeProbe.Missing(Profile, BinaryName, InstallHint);
        var v = await Command.RunAsync(bin, ["--version"], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        string? version = v.Ok ? ParseVersion(v.Stdout) : null;

        var artifact = await artifacts.GetAsync("hello", ct).ConfigureAwait(false);
        string name = $"sb-probe-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        string dir = Directory.CreateTempSubdirectory("sandbench-probe-").FullName;
        NetNamespace? netns = null;
        try
        {
            var env = new Dictionary<string, string> { ["PATH"] = "/bin" };
            ledger.Record(new LedgerEntry(name, [bin, .. GlobalFlags], dir));
            if (Network == "netns")
            {
                try
                {
                    netns = await NetNamespace.CreateAsync(name, dir,
                        (ns, veth) => ledger.Record(new LedgerEntry(name, [bin, .. GlobalFlags], dir, Netns: ns, Veth: veth)), ct).ConfigureAwait(false);
                }
                catch (InvalidOperationException e)
                {
                    string why = await NoCreateAsync(bin, ct).ConfigureAwait(false) ?? $"unusable: network: netns: {e.Message}";
                    return new RuntimeProbe(Profile.Name, Profile.Kind, true, version, false, why, InstallHint);
                }
            }
            OciBundle.Write(dir, artifact, ["--probe"], env, ownNetwork: !Capabilities.HostLoopback, netns?.Path);
            var r = await Command.RunAsync(bin, [.. GlobalFlags, "run", "--bundle", dir, name], CommandTimeout, ct).ConfigureAwait(false);
            bool usable = r.Ok && r.Stdout.Contains("hello: ok", StringComparison.Ordinal);
            string? reason = usable ? null : await NoCreateAsync(bin, ct).ConfigureAwait(false) ?? r.Reason();
            return new RuntimeProbe(Profile.Name, Profile.Kind, true, version, usable, reason, InstallHint);
        }
        finally
        {
            await Command.RunAsync(bin, [.. GlobalFlags, "delete", "--force", name], CommandTimeout, CancellationToken.None).ConfigureAwait(false);
            await NetNamespace.DeleteAsync(name, netns?.HostVeth).ConfigureAwait(false);
            ledger.Remove(name);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Why a binary that failed the probe is no OCI runtime CLI at all, or null: Kata 2.x+'s <c>kata-runtime</c>
    /// only checks and inspects (containers go through containerd's <c>containerd-shim-kata-v2</c>), so it
    /// has no <c>create</c> subcommand. Asked only after a failure, so a working runtime's probe costs nothing more.
    /// </summary>
    private async Task<string?> NoCreateAsync(string bin, CancellationToken ct)
    {
        var help = await Command.RunAsync(bin, ["--help"], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        string text = help.Stdout + help.Stderr;
        bool listsCreate = text.Split('\n').Any(l => l.TrimStart().StartsWith("create", StringComparison.Ordinal) && l.Length > l.TrimStart().Length);
        return text.Length == 0 || listsCreate ? null
            : $"unusable: {BinaryName} has no 'create' subcommand, so it cannot run an OCI bundle itself ({InstallHint})";
    }

    /// <summary>The version from the first line of <c>--version</c> ("runc version 1.1.5+ds1" → "1.1.5+ds1").</summary>
    /// <summary>The version from a <c>--version</c> output's first line: what follows "version", else what follows a ':' ("kata-runtime  : 3.2.0").</summary>
    internal static string ParseVersion(string output)
    {
        string first = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        int i = first.IndexOf("version", StringComparison.OrdinalIgnoreCase);
        if (i >= 0) return first[(i + "version".Length)..].Trim();
        int colon = first.LastIndexOf(':');
        return (colon >= 0 ? first[(colon + 1)..] : first).Trim();
    }

    public async Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        string bin = Executables.Find(BinaryName) ?? throw new InvalidOperationException($"{BinaryName} not found on PATH");
        if (Network is not (null or "host" or "none" or "netns"))
            throw new InvalidOperationException($"{Profile.Name}: network '{Network}' is not host, none or netns");
        bool socket = spec.ListenSocket is not null;
        if (socket && !Capabilities.SocketActivation)
            throw new InvalidOperationException($"{Profile.Name} cannot pass a listening socket (no --preserve-fds)");

        string pidFile = Path.Combine(spec.WorkDir, "container.pid");
        string[] runtime = [bin, .. GlobalFlags];
        // Recorded before create: if we die between create and start, clean still knows the name.
        ledger.Record(new LedgerEntry(spec.Name, runtime, spec.WorkDir));
        // The network is made before the spawn, outside the measured window, as a platform prepares it ahead of a request.
        NetNamespace? netns = null;
        if (Network == "netns")
        {
            try
            {
                netns = await NetNamespace.CreateAsync(spec.Name, spec.WorkDir,
                    (ns, veth) => ledger.Record(new LedgerEntry(spec.Name, runtime, spec.WorkDir, Netns: ns, Veth: veth)), ct).ConfigureAwait(false);
            }
            catch
            {
                ledger.Remove(spec.Name);
                throw;
            }
        }
        EndPoint? endpoint = netns is not null && spec.Environment.TryGetValue("PORT", out var port)
            ? new IPEndPoint(netns.SandboxAddress, int.Parse(port, CultureInfo.InvariantCulture))
            : null;
        string bundleDir = Path.Combine(spec.WorkDir, "bundle");
        var sandbox = new OciSandbox(spec.Name, runtime, ledger, pidFile, netns, endpoint) { Bundle = bundleDir };
        try
        {
            string bundle = OciBundle.Write(bundleDir, spec.Artifact, spec.Artifact.ArgsWith(spec.Args),
                SandboxEnvironment.For(spec), ownNetwork: !Capabilities.HostLoopback, netns?.Path);
            if (endpoint is not null) spec.ServiceEndpointKnown?.Invoke(endpoint);
            string[] create = [.. runtime, "create", "--bundle", bundle, "--pid-file", pidFile, .. (socket ? new[] { "--preserve-fds", "1" } : []), spec.Name];
            var createProc = ChildProcess.Start(new SpawnOptions(bin, create, HostEnvironment(), spec.ListenSocket, spec.OutputPath),
                () => phases.Mark(Phases.Spawn));
            await WaitStep(createProc, "create", spec.OutputPath, ct).ConfigureAwait(false);
            phases.Mark(Phases.Created);

            string startLog = Path.Combine(spec.WorkDir, "start.log");
            var startProc = ChildProcess.Start(new SpawnOptions(bin, [.. runtime, "start", spec.Name], HostEnvironment(), null, startLog));
            await WaitStep(startProc, "start", startLog, ct).ConfigureAwait(false);
            phases.Mark(Phases.Started);
            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private Task WaitStep(ChildProcess p, string step, string log, CancellationToken ct) => Task.Run(() =>
    {
        bool exited;
        try
        {
            exited = p.WaitForExit(StepTimeout, ct);
        }
        catch (OperationCanceledException)
        {
            // A create left running would finish creating after our delete, and one killed midway leaves what it had
            // made so far (runsc's sandbox and gofer processes, runc's bind mount in its state directory) where
            // 'delete' no longer finds it: let it finish (within its own timeout), so the delete that follows removes all.
            if (!p.WaitForExit(CancelGrace, CancellationToken.None)) p.KillAndReap(TimeSpan.FromSeconds(5));
            throw;
        }
        if (!exited)
        {
            p.KillAndReap(TimeSpan.FromSeconds(5));
            throw new TimeoutException($"{BinaryName} {step} did not finish within {StepTimeout.TotalMinutes:0} min");
        }
        if (p.Status is { } s && s != 0)
            throw new InvalidOperationException($"{BinaryName} {step} {Libc.DescribeStatus(s)}: {Lines.TailOf(log) ?? "no output"}");
    }, CancellationToken.None);

    private static Dictionary<string, string> HostEnvironment() => new(StringComparer.Ordinal)
    {
        ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    };
}
