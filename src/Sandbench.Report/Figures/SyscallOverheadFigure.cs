using Sandbench.Core.Experiments;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>
/// Per-syscall overhead (seed 001): per operation of the syscall workload, one bar per runtime: its median ns per
/// operation divided by the same operation's median on <c>process</c>, as <see cref="SyscallAnalysis"/> computes it for
/// <c>show</c>. Without a <c>process</c> baseline in any run the bars are the absolute median ns per operation.
/// </summary>
internal sealed class SyscallOverheadFigure : IFigure
{
    public const string Hint = "plans/syscall.yaml or 'sandbench syscall' measures it";

    /// <summary>Bars whose largest value is more than this many times their smallest are drawn on a log axis.</summary>
    public const double LogSpan = 20;

    private const string Experiment = "syscall";

    public string Name => "syscall-overhead";

    public string Title => "Per-syscall overhead: median time per operation in each runtime";

    public FigureResult Build(ReportData data)
    {
        var tables = data.Runs.SelectMany(r => r.Syscall.Select(t => (Run: r, Table: t))).ToList();
        if (!tables.Any(x => x.Table.Rows.Any(r => r.Cells.Any(c => c.Ns is not null))))
        {
            bool anyOk = data.Runs.Any(r => r.TrialsOf(Experiment).Any(t => !t.Warmup && t.Status == TrialStatus.Ok));
            return FigureResult.Skip(anyOk
                ? $"the syscall trials of {Skips.Runs(data)} stored no time per operation ({SyscallExperiment.MetricPrefix}OP samples)"
                : Skips.NoTrials(data, Experiment, Hint));
        }
        // Ratios wherever a run has its baseline; absolute ns only when none has.
        bool normalized = tables.Any(x => x.Table.Rows.Any(r => r.Cells.Any(c => c.Ratio is not null)));
        bool severalWorkloads = tables.Select(x => x.Table.Workload).Distinct().Count() > 1;
        var ops = tables.SelectMany(x => x.Table.Rows.Select(r => r.Op)).Distinct().ToList();
        var series = tables.SelectMany(x => x.Table.Runtimes.Select(rt => (x.Run, x.Table, Runtime: rt))).ToList();
        string Label((RunData Run, SyscallTable Table, string Runtime) s) =>
            data.Label(s.Run, s.Runtime) + (severalWorkloads ? $" ({s.Table.Workload})" : "");

        var values = new List<double[]>();
        var drawn = new List<SyscallCell>();
        var noBar = new List<string>();
        foreach (var s in series)
        {
            var v = new double[ops.Count];
            for (int o = 0; o < ops.Count; o++)
            {
                var row = s.Table.Rows.FirstOrDefault(r => r.Op == ops[o]);
                var cell = row?.Cells.FirstOrDefault(c => c.Runtime == s.Runtime);
                double? value = normalized ? cell?.Ratio : cell?.Ns?.P50;
                v[o] = value ?? double.NaN;
                if (value is not null) drawn.Add(cell!);
                // A missing baseline is named once, in the sentence about the baseline, not once per runtime.
                else if (!normalized || cell?.Ns is null)
                    noBar.Add($"{Label(s)} × {ops[o]} ({(cell?.Refused is { } errno ? "refused: " + errno : "not measured")})");
            }
            values.Add(v);
        }
        var missingBaseline = normalized ? MissingBaseline(data, tables) : [];
        // Series without a single bar (a run without its baseline) take no colour and no legend entry.
        var keep = Enumerable.Range(0, series.Count).Where(i => values[i].Any(double.IsFinite)).ToList();

        var all = keep.SelectMany(i => values[i]).Where(double.IsFinite).ToList();
        bool log = all.All(v => v > 0) && all.Max() / all.Min() > LogSpan;
        // On a log axis the bars are log10 of the values: ratios start at 1 (a ratio under 1 reaches down), ns at the bottom decade.
        double valueBase = log && !normalized ? Math.Floor(Math.Log10(all.Min())) : 0;
        string what = normalized ? $"median time per operation ÷ {SyscallAnalysis.Native}'s" : "median ns per operation";
        var plot = Chart.New(Title, "operation, in the order the workload runs them", log ? $"{what} (log scale)" : what);
        if (log) Chart.LogAxis(plot.Axes.Left);
        double width = 0.8 / keep.Count;
        for (int k = 0; k < keep.Count; k++)
        {
            int i = keep[k];
            Chart.BarsWithWhiskers(plot, [.. values[i].Select(v => log && double.IsFinite(v) ? Math.Log10(v) : v)], null, null,
                offset: (k - (keep.Count - 1) / 2.0) * width, width: width, color: Chart.Color(k), legend: Label(series[i]), valueBase: valueBase,
                label: p => normalized ? Chart.Ratio(log ? Math.Pow(10, p) : p) : Chart.Ns(log ? Math.Pow(10, p) : p));
        }
        if (normalized)
        {
            var one = plot.Add.HorizontalLine(log ? 0 : 1);
            one.Color = Colors.Gray;
            one.LineWidth = 1;
        }
        Chart.Categories(plot, ops);
        // Bars below 1 on a log axis hang down: room for their labels under them.
        if (log && normalized && all.Min() < 1)
            plot.Axes.Margins(left: 0.5 / ops.Count, right: 0.5 / ops.Count, bottom: 0.08, top: 0.12);
        plot.ShowLegend(Alignment.UpperLeft);

        int nMin = drawn.Min(c => c.Ns!.N), nMax = drawn.Max(c => c.Ns!.N);
        string n = nMin == nMax ? Chart.Inv($"n = {nMin}") : Chart.Inv($"n = {nMin}–{nMax}");
        var failed = tables.SelectMany(x => x.Table.Failed.Where(f => f.Value > 0).Select(f => Chart.Inv($"{data.Label(x.Run, f.Key)}: {f.Value}"))).ToList();
        return FigureResult.Drawn(plot,
            (normalized
                ? $"Bars: an operation's median time per call on the runtime ÷ the same operation's median on {SyscallAnalysis.Native} (no sandbox; the grey line at 1)"
                : $"Bars: an operation's median time per call in ns, absolute: no run has a successful {SyscallAnalysis.Native} trial to divide by "
                    + $"(list '{SyscallAnalysis.Native}' among the runtimes for ratios to native)")
            + (log ? Chart.Inv($"; a log axis, because the bars span more than {LogSpan:0}×{(normalized ? ", so a bar starts at 1 and one under 1 hangs down" : "")}. ") : ". ")
            + "Each successful measured trial gives one time per operation: the workload runs the operation in a loop whose count doubles until it lasts at least min-time, "
            + "then 3 more loops of that count, and takes the fastest loop's time ÷ its count, on the sandbox's own clock (a VM's timer included); "
            + $"the median is over those trials (warm-ups and failed trials left out), {n} trials per bar. "
            + (failed.Count > 0 ? "Failed measured trials: " + string.Join("; ", failed) + ". " : "")
            + (noBar.Count > 0 ? "No bar: " + string.Join("; ", noBar) + ". " : "")
            + (missingBaseline.Count > 0 ? $"Without a {SyscallAnalysis.Native} baseline: " + string.Join("; ", missingBaseline) + "." : ""),
            width: Math.Max(900, ops.Count * keep.Count * 36 + 250));
    }

    /// <summary>Per table of each run, the operations that have no baseline median to divide by, and why.</summary>
    private static List<string> MissingBaseline(ReportData data, List<(RunData Run, SyscallTable Table)> tables)
    {
        var missing = new List<string>();
        foreach (var (run, table) in tables)
        {
            string where = data.MultiRun ? $"run {run.Info.Id}" : table.Workload;
            if (table.Baseline is null)
            {
                missing.Add($"{where}: no successful {SyscallAnalysis.Native} trial");
                continue;
            }
            var lacking = table.Rows
                .Select(r => (r.Op, Cell: r.Cells.First(c => c.Runtime == table.Baseline)))
                .Where(x => x.Cell.Ns is not { P50: > 0 })
                .Select(x => x.Cell.Refused is { } errno ? $"{x.Op} (refused: {errno})" : x.Op).ToList();
            if (lacking.Count > 0) missing.Add($"{where}: {table.Baseline} measured no {string.Join(", ", lacking)}");
        }
        return missing;
    }
}
