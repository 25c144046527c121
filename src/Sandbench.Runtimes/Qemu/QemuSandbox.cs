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
        // QMP's SHUTDOWN event: the guest powered off (or reset), before QEMU tore itself down.
        _qmp.WaitClosed(TimeSpan.FromSeconds(5));
        while (_qmp.Events.Reader.TryRead(out var e))
        {
            if (e.Name != "SHUTDOWN") continue;
            phases.MarkAt(Phases.VmmShutdown, Emitted(e.Event, e.ReceivedNs, phases.Clock));
            string? why = e.Event["data"]?["reason"]?.GetValue<string>();
            return why is null ? exit : exit with { Description = $"{exit.Description} ({why})" };
        }
        return exit;
    }

    /// <summary>
    /// When QEMU emitted an event: its own timestamp (wall clock, microseconds, taken as it emitted) placed on the
    /// monotonic time line, and never after the event arrived. Arrival alone can come late: on a busy host the reader
    /// of the QMP socket ran after QEMU had already exited, which put the guest's power-off after the VMM's exit.
    /// </summary>
    internal static long Emitted(System.Text.Json.Nodes.JsonObject e, long receivedNs, MonotonicClock clock)
    {
        if (e["timestamp"] is not System.Text.Json.Nodes.JsonObject ts || ts["seconds"]?.GetValue<long>() is not long seconds
            || ts["microseconds"]?.GetValue<long>() is not long micros || seconds <= 0)
            return receivedNs;
        // Wall minus monotonic now (both read together); the second or two since the event is far too short for drift.
        long offset = (clock.Time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100 - clock.NowNs();
        long emitted = seconds * 1_000_000_000 + micros * 1000 - offset;
        // After arrival, or more than a second before it (the wall clock was set meanwhile): arrival is the better figure.
        return emitted <= receivedNs && receivedNs - emitted < 1_000_000_000 ? emitted : receivedNs;
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
