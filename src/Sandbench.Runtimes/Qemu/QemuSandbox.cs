using System.Net.Sockets;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Runtimes.Native;
using Sandbench.Runtimes.Qmp;

namespace Sandbench.Runtimes.Qemu;

/// <summary>One QEMU process: its QMP connection, its serial console, and the phases they report.</summary>
internal sealed class QemuSandbox(string name, ChildProcess child, SandboxLedger ledger, PhaseClock phases,
    IReadOnlyDictionary<string, string> details, string qemuLog) : ISandbox, IReadinessSignal
{
    private QmpClient? _qmp;
    private SerialConsole? _console;
    private int _disposed;

    public string Name { get; } = name;

    public IReadOnlyList<int> ProcessIds => [child.Pid];

    public IReadOnlyDictionary<string, string> Details { get; } = details;

    public async Task AttachAsync(Socket qmp, Socket serial, string serialLog, CancellationToken ct)
    {
        _qmp = await QmpClient.ConnectAsync(qmp, phases.Clock.NowNs, ct).ConfigureAwait(false);
        phases.MarkAt(Phases.VmmReady, _qmp.GreetingNs);
        phases.MarkAt(Phases.VmmCommands, _qmp.CommandsNs);
        _console = new SerialConsole(serial, phases, serialLog);
    }

    /// <summary>Lets the paused guest run.</summary>
    public async Task BootAsync(CancellationToken ct)
    {
        _console!.ContNs = phases.Mark(Phases.Boot);
        await _qmp!.ExecuteAsync("cont", ct).ConfigureAwait(false);
    }

    public bool WaitReady(long deadlineNs, CancellationToken ct)
    {
        while (true)
        {
            if (_console!.Ready.WaitOne(50)) return true;
            ct.ThrowIfCancellationRequested();
            if (HasExited(out string reason)) throw new InvalidOperationException(reason);
            if (phases.Clock.NowNs() > deadlineNs) return false;
        }
    }

    public SandboxExit? WaitForExit(TimeSpan timeout, CancellationToken ct)
    {
        var exit = SerialConsole.WaitForGuestExit("qemu", child, _console, phases, timeout, ct);
        if (exit is null || _qmp is null) return exit;
        // QMP's SHUTDOWN event, stamped when it arrived: the guest powered off (or reset), before QEMU tore itself down.
        _qmp.WaitClosed(TimeSpan.FromSeconds(5));
        while (_qmp.Events.Reader.TryRead(out var e))
        {
            if (e.Name != "SHUTDOWN") continue;
            phases.MarkAt(Phases.VmmShutdown, e.ReceivedNs);
            string? why = e.Event["data"]?["reason"]?.GetValue<string>();
            return why is null ? exit : exit with { Description = $"{exit.Description} ({why})" };
        }
        return exit;
    }

    public string Diagnose() => _console?.Tail() is { Length: > 0 } tail ? $"console: {tail}" : "";

    public bool HasExited(out string reason)
    {
        if (child.TryReap(out int status))
        {
            string tail = _console?.Tail() is { Length: > 0 } t ? t : Lines.TailOf(qemuLog) ?? "";
            reason = $"qemu {Libc.DescribeStatus(status)}{(tail.Length > 0 ? ": " + tail : "")}";
            return true;
        }
        reason = "";
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_qmp is not null)
        {
            // A clean quit first (QEMU flushes and exits); SIGKILL if it does not go within 5 s.
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _qmp.ExecuteAsync("quit", cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException or System.Threading.Channels.ChannelClosedException)
            {
            }
        }
        if (!await Task.Run(() => child.WaitForExit(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false))
            child.KillAndReap(TimeSpan.FromSeconds(10));
        if (_qmp is not null) await _qmp.DisposeAsync().ConfigureAwait(false);
        _console?.Dispose();
        ledger.Remove(Name);
    }
}
