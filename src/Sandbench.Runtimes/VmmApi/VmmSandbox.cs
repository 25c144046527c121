using System.Net;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Runtimes.Native;
using Sandbench.Runtimes.Qemu;

namespace Sandbench.Runtimes.VmmApi;

/// <summary>How to start one VMM that is driven over an HTTP API socket.</summary>
/// <param name="Vmm">Its name in messages (firecracker, cloud-hypervisor).</param>
/// <param name="Argv">Full argument vector, the binary first.</param>
/// <param name="ApiSocket">The API socket's path (in the sandbox's work directory).</param>
/// <param name="ReadyPath">The GET that answers once the API is up.</param>
/// <param name="Shutdown">A clean stop through the API, tried before signals; null: SIGTERM, then SIGKILL.</param>
internal sealed record VmmLaunch(
    string Vmm,
    IReadOnlyList<string> Argv,
    string ApiSocket,
    string ReadyPath,
    GuestNetwork Network,
    IReadOnlyDictionary<string, string> Details,
    Func<VmmApiClient, CancellationToken, Task>? Shutdown);

/// <summary>
/// One Firecracker or Cloud Hypervisor process: its API client, its console (the VMM's stdout, a
/// named pipe read as it arrives), its TAP device. Disposing it leaves none of them behind.
/// </summary>
internal sealed class VmmSandbox : ISandbox, IReadinessSignal
{
    private static readonly TimeSpan ApiReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);
    private readonly VmmLaunch _launch;
    private readonly ChildProcess _child;
    private readonly SandboxLedger _ledger;
    private readonly PhaseClock _phases;
    private readonly ConsoleFifo _fifo;
    private readonly SerialConsole _console;
    private int _disposed;

    private VmmSandbox(string name, VmmLaunch launch, ChildProcess child, SandboxLedger ledger, PhaseClock phases, ConsoleFifo fifo, SerialConsole console)
    {
        Name = name;
        _launch = launch;
        _child = child;
        _ledger = ledger;
        _phases = phases;
        _fifo = fifo;
        _console = console;
        Api = new VmmApiClient(launch.Vmm, launch.ApiSocket, RequestTimeout);
    }

    public string Name { get; }

    public VmmApiClient Api { get; }

    public IReadOnlyList<int> ProcessIds => [_child.Pid];

    public IReadOnlyDictionary<string, string> Details => _launch.Details;

    public EndPoint? ServiceEndpoint => _launch.Network.Endpoint;

    /// <summary>
    /// Spawns the VMM (recorded in the ledger first, <see cref="Phases.Spawn"/> right before posix_spawn) and
    /// returns once its API answers (<see cref="Phases.VmmReady"/>). On failure nothing is left, TAP included.
    /// </summary>
    public static async Task<VmmSandbox> LaunchAsync(VmmLaunch launch, SandboxSpec spec, SandboxLedger ledger, PhaseClock phases, CancellationToken ct)
    {
        ConsoleFifo? fifo = null;
        SerialConsole? console = null;
        ChildProcess child;
        try
        {
            File.Delete(launch.ApiSocket);
            fifo = ConsoleFifo.Create(Path.Combine(spec.WorkDir, "console"));
            console = new SerialConsole(fifo.Read, fifo.CloseWriter, phases, Path.Combine(spec.WorkDir, "serial.log"), firstByteIsKernel: false);
            var env = SandboxEnvironment.For(spec);
            env.Remove("LISTEN_FDS");
            child = ChildSandbox.Spawn(spec, ledger, phases, new SpawnOptions(launch.Argv[0], launch.Argv, env, null, fifo.Path), launch.Network.Tap?.Name);
        }
        catch
        {
            console?.Dispose();
            fifo?.Dispose();
            if (launch.Network.Tap is { } tap) await tap.DeleteAsync().ConfigureAwait(false);
            ledger.Remove(spec.Name);
            throw;
        }
        var vm = new VmmSandbox(spec.Name, launch, child, ledger, phases, fifo, console);
        try
        {
            phases.MarkAt(Phases.VmmReady, await vm.Api.WaitReadyAsync(launch.ReadyPath, child, phases.Clock.NowNs, ApiReadyTimeout, ct).ConfigureAwait(false));
            return vm;
        }
        catch
        {
            await vm.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Marks <see cref="Phases.Boot"/> (the zero of the guest's printk clock) and sends the request that starts the guest.</summary>
    public async Task BootAsync(Func<CancellationToken, Task> start, CancellationToken ct)
    {
        _console.ContNs = _phases.Mark(Phases.Boot);
        await start(ct).ConfigureAwait(false);
    }

    public bool WaitReady(long deadlineNs, CancellationToken ct)
    {
        while (true)
        {
            if (_console.Ready.WaitOne(50)) return true;
            ct.ThrowIfCancellationRequested();
            if (HasExited(out string reason)) throw new InvalidOperationException(reason);
            if (_phases.Clock.NowNs() > deadlineNs) return false;
        }
    }

    public SandboxExit? WaitForExit(TimeSpan timeout, CancellationToken ct) => SerialConsole.WaitForGuestExit(_launch.Vmm, _child, _console, _phases, timeout, ct);

    public string Diagnose() => _console.Tail() is { Length: > 0 } tail ? $"console: {tail}" : "";

    public bool HasExited(out string reason)
    {
        if (_child.TryReap(out int status))
        {
            string tail = _console.Tail();
            reason = $"{_launch.Vmm} {Libc.DescribeStatus(status)}{(tail.Length > 0 ? ": " + tail : "")}";
            return true;
        }
        reason = "";
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (!_child.TryReap(out _))
        {
            if (_launch.Shutdown is { } shutdown)
            {
                try
                {
                    using var cts = new CancellationTokenSource(Grace);
                    await shutdown(Api, cts.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException or IOException)
                {
                    // It may not answer (hung, half started): signals follow.
                }
            }
            else
            {
                Libc.Kill(_child.Pid, Libc.SigTerm);
            }
            if (!await Task.Run(() => _child.WaitForExit(Grace, CancellationToken.None)).ConfigureAwait(false))
                _child.KillAndReap(TimeSpan.FromSeconds(10));
        }
        _console.Dispose();
        _fifo.Dispose();
        Api.Dispose();
        File.Delete(_launch.ApiSocket);
        // A TAP device that cannot be deleted keeps the ledger entry, so clean can try again.
        if (_launch.Network.Tap is { } tap) await tap.DeleteAsync().ConfigureAwait(false);
        _ledger.Remove(Name);
    }
}
