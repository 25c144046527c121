using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;

namespace Sandbench.Core.Stats;

/// <summary>One operation in one runtime: ns per call over the trials (each trial gives one value), and the ratio of medians to the baseline.</summary>
/// <param name="Ns">Over the successful measured trials, each the workload's ns per call; null when none measured it.</param>
/// <param name="Ratio">Median ns here / median ns in the baseline runtime; null without a baseline figure.</param>
/// <param name="Refused">Errno names the sandbox refused the operation with (e.g. EPERM), when it did.</param>
public sealed record SyscallCell(string Runtime, Summary? Ns, double? Ratio, string? Refused);

/// <summary>One operation across the runtimes of a run, in the run's runtime order.</summary>
public sealed record SyscallRow(string Op, IReadOnlyList<SyscallCell> Cells);

/// <summary>The syscall × runtime table of one workload in a run.</summary>
/// <param name="Baseline">The runtime ratios are to (<c>process</c>: native), or null when the run has none.</param>
/// <param name="Failed">Measured trials that did not succeed, per runtime.</param>
public sealed record SyscallTable(
    string Workload,
    IReadOnlyList<string> Runtimes,
    string? Baseline,
    IReadOnlyList<SyscallRow> Rows,
    IReadOnlyDictionary<string, int> Failed,
    IReadOnlyList<string> Errors);

/// <summary>Turns stored syscall trials into the syscall × runtime table. Warm-ups and failed trials never enter it.</summary>
public static class SyscallAnalysis
{
    /// <summary>The runtime ratios are taken to: a plain process, no sandbox.</summary>
    public const string Native = "process";

    public static IReadOnlyList<SyscallTable> Of(IReadOnlyList<TrialRecord> trials) =>
        [.. trials.Where(t => t.Experiment == "syscall")
            .GroupBy(t => t.Workload)
            .Select(w =>
            {
                var runtimes = w.GroupBy(t => t.Runtime).OrderBy(g => g.Min(t => t.Id)).Select(g => g.Key).ToList();
                var ok = w.Where(t => !t.Warmup && t.Status == TrialStatus.Ok).ToList();
                // Operations in the order the workload reports them (the first trial that has each).
                var ops = ok.SelectMany(t => t.Samples.Select(s => s.Key).Where(k => k.StartsWith(SyscallExperiment.MetricPrefix, StringComparison.Ordinal))
                        .Select(k => k[SyscallExperiment.MetricPrefix.Length..])
                        .Concat(t.Parameters.Keys.Where(k => k.StartsWith("refused.", StringComparison.Ordinal)).Select(k => k["refused.".Length..])))
                    .Distinct().ToList();
                string? baseline = runtimes.Contains(Native) ? Native : null;
                Summary? Ns(string runtime, string op) =>
                    Summary.Of(ok.Where(t => t.Runtime == runtime).Values(SyscallExperiment.MetricPrefix + op));
                var rows = ops.Select(op =>
                {
                    double? native = baseline is null ? null : Ns(baseline, op)?.P50;
                    return new SyscallRow(op, [.. runtimes.Select(rt =>
                    {
                        var ns = Ns(rt, op);
                        var refused = ok.Where(t => t.Runtime == rt && t.Parameters.TryGetValue("refused." + op, out _))
                            .Select(t => t.Parameters["refused." + op]).Distinct().ToList();
                        return new SyscallCell(rt, ns, ns is not null && native is > 0 ? ns.P50 / native.Value : null,
                            refused.Count > 0 ? string.Join("/", refused) : null);
                    })]);
                }).ToList();
                var measured = w.Where(t => !t.Warmup).ToList();
                return new SyscallTable(w.Key, runtimes, baseline, rows,
                    runtimes.ToDictionary(rt => rt, rt => measured.Count(t => t.Runtime == rt && t.Status != TrialStatus.Ok), StringComparer.Ordinal),
                    [.. measured.Where(t => t.Error is not null).Select(t => $"{t.Runtime}: {t.Error}").Distinct().Take(5)]);
            })];
}
