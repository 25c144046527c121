using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes.Qemu;

/// <summary>
/// Reads the guest's serial console (a unix socket QEMU serves) on its own thread and stamps each
/// line with the host time it arrived: the first byte is the guest kernel's first sign of life; the
/// init script's and the workload's markers give the later phases. Printk timestamps of the guest
/// (seconds since its clock started, at <c>cont</c>) are placed on the host time line beside them.
/// </summary>
internal sealed partial class SerialConsole : IDisposable
{
    private readonly Func<byte[], int> _receive;
    private readonly Action _close;
    private readonly bool _firstByteIsKernel;
    private readonly PhaseClock _phases;
    private readonly StreamWriter _log;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _ready = new();
    private readonly Lock _tailLock = new();
    private readonly Queue<string> _tail = new();
    private string? _panic;

    [GeneratedRegex(@"^\[\s*([0-9]+\.[0-9]+)\]\s*(.*)$")]
    private static partial Regex Printk();

    public SerialConsole(Socket socket, PhaseClock phases, string logPath)
        : this(socket.Receive, () => Close(socket), phases, logPath, firstByteIsKernel: true)
    {
    }

    /// <param name="receive">Reads the next bytes (blocking); 0 at the end.</param>
    /// <param name="close">Makes a blocked <paramref name="receive"/> return.</param>
    /// <param name="firstByteIsKernel">False where the VMM writes its own log to the same stream (Firecracker's
    /// stdout): the guest kernel's first sign of life is then its first printk line after boot.</param>
    public SerialConsole(Func<byte[], int> receive, Action close, PhaseClock phases, string logPath, bool firstByteIsKernel)
    {
        _receive = receive;
        _close = close;
        _firstByteIsKernel = firstByteIsKernel;
        _phases = phases;
        _log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = false };
        _thread = new Thread(Pump) { IsBackground = true, Name = "serial console" };
        _thread.Start();
    }

    /// <summary>Host ns at which <c>cont</c> let the guest run: the zero of its printk clock.</summary>
    public long ContNs { get; set; }

    /// <summary>Set when the workload printed its ready marker.</summary>
    public WaitHandle Ready => _ready.WaitHandle;

    public bool IsReady => _ready.IsSet;

    /// <summary>The workload's exit status as the guest's init reported it (run-to-completion guests), else null.</summary>
    public int? WorkloadExitCode { get; private set; }

    /// <summary>The last lines, for error messages, after the kernel's panic line if there was one (it says why).</summary>
    public string Tail()
    {
        lock (_tailLock)
            return _panic is null || _tail.Contains(_panic) ? string.Join(" | ", _tail) : $"{_panic} | … | {string.Join(" | ", _tail)}";
    }

    private void Pump()
    {
        var buffer = new byte[4096];
        var line = new StringBuilder();
        bool first = true;
        try
        {
            int n;
            while ((n = _receive(buffer)) > 0)
            {
                long at = _phases.Clock.NowNs();
                if (first && _firstByteIsKernel)
                {
                    _phases.MarkAt(Phases.GuestKernel, at);
                    first = false;
                }
                foreach (char c in Encoding.UTF8.GetString(buffer, 0, n))
                {
                    if (c == '\n')
                    {
                        OnLine(line.ToString().TrimEnd('\r'), at);
                        line.Clear();
                    }
                    else line.Append(c);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // The VMM closed the console: the VM is gone.
        }
        finally
        {
            _log.Flush();
        }
    }

    private void OnLine(string line, long at)
    {
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{at} {line}"));
        lock (_tailLock)
        {
            _tail.Enqueue(line);
            if (_tail.Count > 3) _tail.Dequeue();
            // A panic's reason comes before its stack trace: keep it for the error message.
            if (_panic is null && line.Contains("Kernel panic", StringComparison.Ordinal)) _panic = line;
        }
        if (!_firstByteIsKernel && ContNs > 0 && Printk().IsMatch(line)) _phases.MarkAt(Phases.GuestKernel, at);
        if (line.Contains("sandbench-init", StringComparison.Ordinal)) _phases.MarkAt(Phases.GuestInit, at);
        else if (line.Contains("sandbench-net", StringComparison.Ordinal)) _phases.MarkAt(Phases.GuestNet, at);
        else if (line.Contains("sandbench-start", StringComparison.Ordinal)) _phases.MarkAt(Phases.WorkloadStart, at);
        else if (line.Contains("sandbench-ready", StringComparison.Ordinal))
        {
            _phases.MarkAt(Phases.Listening, at);
            _ready.Set();
        }
        else if (line.StartsWith("sandbench-exit ", StringComparison.Ordinal))
        {
            _phases.MarkAt(Phases.WorkloadExit, at);
            if (int.TryParse(line["sandbench-exit ".Length..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int code))
                WorkloadExitCode = code;
        }
        else if (Printk().Match(line) is { Success: true } m && ContNs > 0)
        {
            double seconds = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            string text = m.Groups[2].Value;
            // Kata's split: the guest's own clock for "kernel done, starting init".
            if (text.StartsWith("Run /init as init process", StringComparison.Ordinal))
                _phases.MarkAt(Phases.GuestPrintkInit, ContNs + (long)(seconds * 1e9));
            else if (text.StartsWith("Freeing unused kernel", StringComparison.Ordinal))
                _phases.MarkAt(Phases.GuestPrintkFreeing, ContNs + (long)(seconds * 1e9));
        }
    }

    /// <summary>
    /// Waits for a VMM to exit after its guest powered off (run-to-completion guests), then for this console
    /// to have read the guest's last words; clean only when the guest's workload and the VMM both exited 0.
    /// </summary>
    public static SandboxExit? WaitForGuestExit(string vmm, ChildProcess child, SerialConsole? console, PhaseClock phases, TimeSpan timeout, CancellationToken ct)
    {
        if (!child.WaitForExit(timeout, ct)) return null;
        // Stamped now: what follows (the console's last lines) must not move the end of the run.
        phases.Mark(Phases.Exit);
        console?._thread.Join(TimeSpan.FromSeconds(5));
        int status = child.Status ?? 0;
        int? guest = console?.WorkloadExitCode;
        bool ok = Libc.Exited(status) && Libc.ExitCode(status) == 0 && guest == 0;
        string said = guest is { } g ? $"the guest's workload exited with code {g}" : "the guest did not report its workload's exit";
        return new SandboxExit(ok, $"{said}; {vmm} {Libc.DescribeStatus(status)}");
    }

    private static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        socket.Dispose();
    }

    public void Dispose()
    {
        _close();
        _thread.Join(TimeSpan.FromSeconds(5));
        _log.Dispose();
        _ready.Dispose();
    }
}
