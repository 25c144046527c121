using System.Globalization;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Experiments;

/// <summary>
/// Syscall: what a sandbox adds to each system call (seed 001). The <c>syscall</c> workload runs in the
/// sandbox to completion, times each operation in a loop whose count it calibrates (doubling until one loop
/// lasts at least the plan's <c>min-time</c>), and prints one line; each operation's ns per call is stored
/// as a sample <c>syscall_ns.OP</c>, its loop count as the parameter <c>iterations.OP</c>, and an operation the
/// sandbox refused (fork under a seccomp filter, say) as <c>refused.OP</c> with the errno name. The times
/// are the workload's own clock (CLOCK_MONOTONIC inside the sandbox), so a VM's timer is in them.
/// </summary>
public sealed class SyscallExperiment : IExperiment
{
    /// <summary>Prefix of the per-operation samples (ns per operation).</summary>
    public const string MetricPrefix = "syscall_ns.";

    public string Name => "syscall";

    public IEnumerable<string> Check(ExperimentSpec spec, IRuntime runtime)
    {
        if (spec.Readiness != ReadinessMethod.Auto)
            yield return $"{runtime.Profile.Name}: syscall runs its workload to completion and takes no readiness method";
    }

    public async Task<TrialOutcome> RunAsync(TrialContext context, CancellationToken ct)
    {
        var c = context;
        var spec = c.Trial.Spec;
        var phases = new PhaseClock(c.Clock);
        long minMs = Math.Max(1, (long)spec.MinOpTime.TotalMilliseconds);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["timeout"] = Durations.Format(spec.Timeout),
            ["min-time"] = Durations.Format(spec.MinOpTime),
        };
        var samples = new List<KeyValuePair<string, double>>();
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        ISandbox? sandbox = null;
        string output = Path.Combine(c.WorkDir, "workload.log");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(spec.Timeout);
        try
        {
            var sandboxSpec = new SandboxSpec
            {
                Name = c.SandboxName,
                Artifact = c.Artifact,
                Args = ["--min-ms", minMs.ToString(CultureInfo.InvariantCulture)],
                OutputPath = output,
                WorkDir = c.WorkDir,
                RunToCompletion = true,
            };
            sandbox = await c.Runtime.StartAsync(sandboxSpec, phases, deadline.Token).ConfigureAwait(false);
            long origin = phases.TryGet(Phases.Spawn, out long o) ? o : phases.Clock.NowNs();
            var left = TimeSpan.FromMilliseconds(Math.Max(0, (long)spec.Timeout.TotalMilliseconds - (phases.Clock.NowNs() - origin) / 1_000_000));
            var exit = sandbox.WaitForExit(left, deadline.Token) ?? throw new TimeoutException();
            phases.Mark(Phases.Exit);
            parameters["exit"] = exit.Description;
            if (exit.Success == false) throw new TrialFailedException(exit.Description);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException && !ct.IsCancellationRequested)
        {
            status = TrialStatus.Timeout;
            error = $"the syscall workload did not end within {Durations.Format(spec.Timeout)}";
        }
        catch (OperationCanceledException)
        {
            status = TrialStatus.Interrupted;
            error = "interrupted";
        }
        catch (Exception e) when (e is TrialFailedException or InvalidOperationException or IOException or FormatException)
        {
            status = TrialStatus.Failed;
            error = e.Message;
        }
        finally
        {
            foreach (var (k, v) in sandbox?.Details ?? new Dictionary<string, string>()) parameters[k] = v;
            (status, error) = await Teardown.EndAsync(sandbox, status, error).ConfigureAwait(false);
            phases.Mark(Phases.Done);
        }
        if (status == TrialStatus.Ok)
        {
            // Read after the teardown: a VM's console log is complete (flushed) only once the sandbox is disposed.
            try
            {
                var report = await FindReportAsync(output, c.WorkDir, ct).ConfigureAwait(false)
                    ?? throw new TrialFailedException($"the workload printed no '{SyscallLine.Marker}' line (is the workload 'syscall'?)");
                parameters["reps"] = report.Reps.ToString(CultureInfo.InvariantCulture);
                foreach (var op in report.Ops)
                {
                    if (op.Refused is { } why) parameters["refused." + op.Name] = why;
                    else
                    {
                        samples.Add(new(MetricPrefix + op.Name, op.Ns));
                        parameters["iterations." + op.Name] = op.Iterations.ToString(CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (Exception e) when (e is TrialFailedException or IOException or FormatException)
            {
                status = TrialStatus.Failed;
                error = e.Message;
            }
        }
        long start = phases.TryGet(Phases.Spawn, out long s0) ? s0 : 0;
        var relative = phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - start)).ToList();
        if (status != TrialStatus.Ok) samples.Clear();
        return new TrialOutcome(status, error, "exit", 0, relative, samples, parameters) { OriginNs = start == 0 ? null : start };
    }

    /// <summary>
    /// The report in the workload's output, else in the logs the runtime kept in the trial's directory: a VM's
    /// workload writes to the guest's serial console, which its runtime logs there (QEMU: serial.log).
    /// </summary>
    private static async Task<SyscallReport?> FindReportAsync(string output, string workDir, CancellationToken ct)
    {
        var files = new List<string>();
        if (File.Exists(output)) files.Add(output);
        files.AddRange(Directory.EnumerateFiles(workDir, "*.log", SearchOption.TopDirectoryOnly).Where(f => f != output).Order(StringComparer.Ordinal));
        foreach (var f in files)
            if (SyscallLine.Find(await File.ReadAllTextAsync(f, ct).ConfigureAwait(false)) is { } report) return report;
        return null;
    }
}

/// <summary>One operation of a syscall report: ns per call over a loop of <see cref="Iterations"/>, or refused with an errno name.</summary>
public sealed record SyscallOp(string Name, double Ns, long Iterations, string? Refused);

/// <summary>What the syscall workload printed: the minimum loop time and its operations in order.</summary>
/// <param name="Reps">Loops of the calibrated count after the calibration, of which the fastest is the figure (0: an older workload without them).</param>
public sealed record SyscallReport(long MinNs, int Reps, IReadOnlyList<SyscallOp> Ops);

/// <summary>
/// The syscall workload's one line: <c>sandbench-syscall v1 min_ns=N reps=R OP=NS/ITERATIONS OP=!ERRNO ...</c> (<c>reps</c> optional).
/// </summary>
public static class SyscallLine
{
    public const string Marker = "sandbench-syscall";

    /// <summary>The last report line in a workload's output (a VM's console holds kernel lines too); null when none.</summary>
    public static SyscallReport? Find(string output)
    {
        int at = output.LastIndexOf(Marker + " ", StringComparison.Ordinal);
        if (at < 0) return null;
        int end = output.IndexOf('\n', at);
        return Parse(output[at..(end < 0 ? output.Length : end)].TrimEnd('\r'));
    }

    /// <summary>Parses one line; a malformed line is a <see cref="FormatException"/> that quotes the bad part.</summary>
    public static SyscallReport Parse(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 3 || words[0] != Marker || words[1] != "v1")
            throw new FormatException($"not a '{Marker} v1' line: '{Clip(line)}'");
        if (!words[2].StartsWith("min_ns=", StringComparison.Ordinal)
            || !long.TryParse(words[2]["min_ns=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out long minNs))
            throw new FormatException($"the syscall line has no min_ns=N: '{Clip(line)}'");
        int reps = 0, first = 3;
        if (words.Length > 3 && words[3].StartsWith("reps=", StringComparison.Ordinal))
        {
            if (!int.TryParse(words[3]["reps=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out reps))
                throw new FormatException($"the syscall line has a bad reps=: '{Clip(line)}'");
            first = 4;
        }
        var ops = new List<SyscallOp>();
        foreach (var w in words.Skip(first))
        {
            int eq = w.IndexOf('=', StringComparison.Ordinal);
            string name = eq > 0 ? w[..eq] : "";
            string value = eq > 0 ? w[(eq + 1)..] : "";
            if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '_'))
                throw new FormatException($"the syscall line has a bad item '{Clip(w)}'");
            if (value.StartsWith('!') && value.Length > 1)
            {
                ops.Add(new SyscallOp(name, double.NaN, 0, value[1..]));
                continue;
            }
            int slash = value.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0
                || !double.TryParse(value[..slash], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double ns)
                || !long.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n < 1)
                throw new FormatException($"the syscall line has a bad value for {name}: '{Clip(value)}' (expected NS/ITERATIONS or !ERRNO)");
            ops.Add(new SyscallOp(name, ns, n, null));
        }
        if (ops.Count == 0) throw new FormatException($"the syscall line names no operation: '{Clip(line)}'");
        return new SyscallReport(minNs, reps, ops);
    }

    private static string Clip(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
