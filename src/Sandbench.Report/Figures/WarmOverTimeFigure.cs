using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>Warm latency over time: p50 and p99 of each second of one load window per runtime × load point.</summary>
internal sealed class WarmOverTimeFigure : IFigure
{
    public string Name => "warm-over-time";

    public string Title => "Warm latency over time";

    public FigureResult Build(ReportData data)
    {
        var lines = new List<(string Label, TrialRecord Trial, IReadOnlyList<LoadSecond> Seconds)>();
        foreach (var run in data.Runs)
        {
            var trials = RunAnalysis.WarmTrials(run.TrialsOf("warm"));
            for (int i = 0; i < run.Warm.Count && lines.Count < WarmRows.MaxLines; i++)
            {
                // The trial with the median corrected p99 stands for its row (the lower middle one when n is even).
                var ordered = trials[i].OrderBy(t => t.Sample("corrected_p99_ns") ?? double.MaxValue).ToList();
                if (ordered.Count == 0) continue;
                var trial = ordered[(ordered.Count - 1) / 2];
                var seconds = data.LoadSeconds(trial.Id);
                if (seconds.Any(s => s.P99Ns is not null)) lines.Add((WarmRows.Label(data, run, run.Warm[i]), trial, seconds));
            }
        }
        if (lines.Count == 0)
        {
            return FigureResult.Skip(data.Runs.Any(r => r.Warm.Count > 0)
                ? $"no warm trial of {Skips.Runs(data)} has a per-second series (load_seconds)"
                : Skips.NoTrials(data, "warm", WarmRows.Hint));
        }

        var plot = Chart.New(Title, "second of the load window", "corrected latency (ms)");
        for (int i = 0; i < lines.Count; i++)
        {
            var (label, _, seconds) = lines[i];
            var p99 = seconds.Where(s => s.P99Ns is not null).ToList();
            var line = plot.Add.Scatter(p99.Select(s => (double)s.Second).ToArray(), p99.Select(s => s.P99Ns!.Value / 1e6).ToArray(), Chart.Color(i));
            line.LegendText = $"{label} p99";
            line.LineWidth = 2;
            var p50 = seconds.Where(s => s.P50Ns is not null).ToList();
            var light = plot.Add.Scatter(p50.Select(s => (double)s.Second).ToArray(), p50.Select(s => s.P50Ns!.Value / 1e6).ToArray(), Chart.Light(i));
            light.LegendText = $"{label} p50";
        }
        plot.ShowLegend(Edge.Right);
        plot.Axes.Margins(bottom: 0, top: 0.25);
        return FigureResult.Drawn(plot,
            "One load window per runtime × load point, the trial with the median corrected p99 (iteration "
            + string.Join(", ", lines.Select(l => $"{l.Label} #{l.Trial.Iteration}"))
            + "): p99 (dark) and p50 (light) of the requests due in each second, corrected (from the due time), to 2 significant digits.");
    }
}
