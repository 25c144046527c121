using Sandbench.Core.Experiments;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>
/// Application flows, normalized (seed 001's normalized performance; Kalium's Fig. 8): per function of each flow, in call
/// order, one bar per runtime: the function's median warm latency there divided by its median warm latency on <c>process</c>.
/// </summary>
internal sealed class FlowNormalizedFigure : IFigure
{
    public const string Hint = "'sandbench flow' measures it";

    public string Name => "flow-normalized";

    public string Title => "Application flows: warm latency per function, normalized to process";

    public FigureResult Build(ReportData data)
    {
        var flows = data.Runs.SelectMany(r => r.Flow.Select(f => (Run: r, Flow: f))).ToList();
        if (!flows.Any(x => x.Flow.Rows.Any(r => r.WarmMs is not null)))
        {
            bool anyOk = data.Runs.Any(r => r.TrialsOf(FlowAnalysis.Experiment).Any(t => !t.Warmup && t.Status == TrialStatus.Ok));
            return FigureResult.Skip(anyOk
                ? $"the flow trials of {Skips.Runs(data)} stored no warm latency ({FlowMetrics.WarmMetric}:FUNCTION samples)"
                : Skips.NoTrials(data, FlowAnalysis.Experiment, Hint));
        }
        var missingBaseline = MissingBaseline(data, flows);
        if (!flows.Any(x => x.Flow.Rows.Any(r => r.Ratio is not null)))
            return FigureResult.Skip($"no {FlowAnalysis.Native} baseline to normalize to in {Skips.Runs(data)} ({string.Join("; ", missingBaseline)}); "
                + $"list '{FlowAnalysis.Native}' among the flow's runtimes");

        bool severalFlows = flows.Select(x => x.Flow.Flow).Distinct().Count() > 1;
        var categories = flows.SelectMany(x => x.Flow.Functions.Select(f => (Flow: x.Flow.Flow, Function: f))).Distinct().ToList();
        var series = flows.SelectMany(x => x.Flow.Runtimes.Select(rt => (x.Run, Runtime: rt))).Distinct().ToList();
        string Category((string Flow, string Function) c) => severalFlows ? $"{c.Flow}/{c.Function}" : c.Function;

        string flowName = categories[0].Flow;
        var plot = Chart.New(Title, severalFlows ? "function (flow), in call order" : $"function of {flowName}, in call order",
            $"median warm latency ÷ {FlowAnalysis.Native}'s");
        double width = 0.8 / series.Count;
        var drawn = new List<FlowFunctionResult>();
        var noBar = new List<string>();
        for (int s = 0; s < series.Count; s++)
        {
            var (run, runtime) = series[s];
            var values = new double[categories.Count];
            for (int c = 0; c < categories.Count; c++)
            {
                var flow = run.Flow.FirstOrDefault(f => f.Flow == categories[c].Flow);
                var row = flow?.Rows.FirstOrDefault(r => r.Runtime == runtime && r.Function == categories[c].Function);
                values[c] = row?.Ratio ?? double.NaN;
                if (row?.Ratio is not null) drawn.Add(row);
                // A function without a baseline is named once, in the sentence about the baseline, not once per runtime.
                else if (row is null || HasBaseline(flow!, row.Function))
                    noBar.Add($"{data.Label(run, runtime)} × {Category(categories[c])} ({(row is null ? "not run" : "no warm latency")})");
            }
            Chart.BarsWithWhiskers(plot, values, null, null, offset: (s - (series.Count - 1) / 2.0) * width, width: width, color: Chart.Color(s),
                legend: data.Label(run, runtime));
        }
        var one = plot.Add.HorizontalLine(1);
        one.Color = Colors.Gray;
        one.LineWidth = 1;
        // Flows side by side: a thin line between one flow's functions and the next's.
        for (int c = 1; c < categories.Count; c++)
        {
            if (categories[c].Flow == categories[c - 1].Flow) continue;
            var between = plot.Add.VerticalLine(c - 0.5);
            between.Color = Colors.LightGray;
            between.LineWidth = 1;
        }
        Chart.Categories(plot, [.. categories.Select(c => severalFlows ? $"{c.Function}\n{c.Flow}" : c.Function)]);
        plot.ShowLegend(Alignment.UpperLeft);

        long nMin = drawn.Min(r => r.WarmMs!.N), nMax = drawn.Max(r => r.WarmMs!.N);
        string n = nMin == nMax ? Chart.Inv($"n = {nMin}") : Chart.Inv($"n = {nMin}–{nMax}");
        return FigureResult.Drawn(plot,
            $"Bars: a function's median warm latency on the runtime ÷ the same function's median on {FlowAnalysis.Native} (no sandbox; the grey line at 1), "
            + $"over every request to it in the measured rounds of the successful measured trials, pooled (warm-ups and each function's first, cold request excluded); {n} requests per bar. "
            + "Latency at the gateway: from a request's arrival to the end of its response; an entry function's includes the functions it calls. "
            + (noBar.Count > 0 ? "No bar: " + string.Join("; ", noBar) + ". " : "")
            + (missingBaseline.Count > 0 ? $"Without a {FlowAnalysis.Native} baseline: " + string.Join("; ", missingBaseline) + "." : ""),
            width: Math.Max(900, categories.Count * series.Count * 36 + 250));
    }

    /// <summary>Per flow of each run, the functions that have no baseline median to divide by, and why.</summary>
    private static List<string> MissingBaseline(ReportData data, List<(RunData Run, FlowResult Flow)> flows)
    {
        var missing = new List<string>();
        foreach (var (run, flow) in flows)
        {
            string where = data.MultiRun ? $"{flow.Flow} in run {run.Info.Id}" : flow.Flow;
            if (flow.Baseline is null)
            {
                missing.Add($"{where}: no successful {FlowAnalysis.Native} trial");
                continue;
            }
            var lacking = flow.Functions.Where(f => !HasBaseline(flow, f)).ToList();
            if (lacking.Count > 0) missing.Add($"{where}: {flow.Baseline} measured no warm latency of {string.Join(", ", lacking)}");
        }
        return missing;
    }

    private static bool HasBaseline(FlowResult flow, string function) =>
        flow.Rows.Any(r => r.Runtime == flow.Baseline && r.Function == function && r.WarmMs is { P50: > 0 });
}
