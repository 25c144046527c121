using System.Diagnostics;
using System.Text;
using Sandbench.Core;

namespace Sandbench.Workloads;

/// <summary>
/// A server Sandbench starts for its own use on 127.0.0.1 (a registry, a database, an image server):
/// started with its output kept (the last lines, for errors), waited for until a probe says it answers,
/// and killed with whatever it started when disposed, so none outlives the call that needed it.
/// </summary>
internal sealed class LocalDaemon : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly string _name;

    private LocalDaemon(Process process, string name)
    {
        _process = process;
        _name = name;
    }

    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts <paramref name="file"/> and returns once <paramref name="answers"/> is true (polled every
    /// 5 ms: these servers signal nothing when they listen, and their start is not what is measured).
    /// </summary>
    /// <param name="describeExit">What to say when it exits before answering, given its exit code and its last output line.</param>
    public static async Task<LocalDaemon> StartAsync(string name, string file, IEnumerable<string> args, Func<CancellationToken, Task<bool>> answers,
        TimeSpan timeout, Func<int, string, Exception> describeExit, CancellationToken ct, IReadOnlyDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) psi.Environment[k] = v;
        var process = Process.Start(psi) ?? throw new SandbenchException($"cannot start {name}");
        var daemon = new LocalDaemon(process, name);
        try
        {
            process.ErrorDataReceived += (_, e) => daemon.Keep(e.Data);
            process.OutputDataReceived += (_, e) => daemon.Keep(e.Data);
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (process.HasExited)
                {
                    process.WaitForExit(); // the output is read to its end
                    throw describeExit(process.ExitCode, daemon.LastLine());
                }
                if (await answers(ct).ConfigureAwait(false)) return daemon;
                if (Environment.TickCount64 > deadline)
                    throw new SandbenchException($"{name} did not answer within {timeout.TotalSeconds:0.#} s (last output: {daemon.LastLine()})");
                await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, ct).ConfigureAwait(false);
            }
        }
        catch
        {
            daemon.Dispose();
            throw;
        }
    }

    /// <summary>Its last line of output ("" when it said nothing).</summary>
    public string LastLine()
    {
        lock (_log) return _log.ToString().TrimEnd().Split('\n').LastOrDefault()?.Trim() ?? "";
    }

    public bool HasExited => _process.HasExited;

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            if (_log.Length > 16_000) _log.Remove(0, 8_000);
            _log.AppendLine(line);
        }
    }

    public override string ToString() => $"{_name} (pid {_process.Id})";

    public void Dispose()
    {
        BuildTools.Stop(_process);
        _process.Dispose();
    }
}
