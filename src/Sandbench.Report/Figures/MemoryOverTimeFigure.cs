using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;
using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>Memory of one sandbox per runtime over its life, from every reading in the resources table.</summary>
internal sealed class MemoryOverTimeFigure : IFigure
{
    /// <summary>At most this many runtimes, so the lines stay readable.</summary>
    private const int MaxLines = 8;

    public string Name => "memory-over-time";

    public string Title => "Memory of one sandbox over time";

    public FigureResult Build(ReportData data)
    {
        var lines = new List<(string Label, TrialRecord Trial, List<(double Ms, double? Rss, double? Pss)> Points)>();
        foreach (var run in data.Runs)
        {
            foreach (var g in run.TrialsOf("boot").Where(t => !t.Warmup && t.Status == TrialStatus.Ok && t.Sample(BootExperiment.RssPeakMetric) is not null)
                .GroupBy(t => t.Runtime))
            {
                if (lines.Count == MaxLines) break;
                // The trial with the median peak stands for its runtime (the lower middle one when n is even).
                var ordered = g.OrderBy(t => t.Sample(BootExperiment.RssPeakMetric)).ToList();
                var trial = ordered[(ordered.Count - 1) / 2];
                var readings = data.Resources(trial.Id);
                if (readings.Count == 0) continue;
                var points = readings.GroupBy(r => r.TNs).OrderBy(r => r.Key).Select(r => (
                    Ms: r.Key / 1e6,
                    Rss: r.Any(x => x.RssBytes is not null) ? r.Sum(x => x.RssBytes ?? 0) / 1048576.0 : (double?)null,
                    Pss: r.Any(x => x.PssBytes is not null) ? r.Sum(x => x.PssBytes ?? 0) / 1048576.0 : (double?)null)).ToList();
                lines.Add((data.Label(run, g.Key), trial, points));
            }
        }
        if (lines.Count == 0)
        {
            return FigureResult.Skip(data.Runs.Any(r => r.TrialsOf("boot").Count > 0)
                ? $"no boot trial of {Skips.Runs(data)} has memory readings in the resources table"
                : Skips.NoTrials(data, "boot", "plans/boot.yaml or 'sandbench boot' samples memory over time"));
        }

        // Sandboxes that live for milliseconds beside VMs that live for seconds: a log time axis keeps both readable.
        var spans = lines.Select(l => l.Points.Max(p => p.Ms)).Where(s => s > 0).ToList();
        bool log = spans.Count > 1 && spans.Max() / spans.Min() > 20 && lines.All(l => l.Points.All(p => p.Ms > 0));
        double X(double ms) => log ? Math.Log10(ms) : ms;
        var plot = Chart.New(Title, log ? "time since spawn (ms, log scale)" : "time since spawn (ms)", "MiB (sum over the sandbox's processes)");
        if (log) Chart.LogAxis(plot.Axes.Bottom);
        for (int i = 0; i < lines.Count; i++)
        {
            var (label, _, points) = lines[i];
            var rss = points.Where(p => p.Rss is not null).ToList();
            var line = plot.Add.Scatter(rss.Select(p => X(p.Ms)).ToArray(), rss.Select(p => p.Rss!.Value).ToArray(), Chart.Color(i));
            line.LegendText = $"{label} RSS";
            line.MarkerSize = rss.Count < 30 ? 5 : 0;
            var pss = points.Where(p => p.Pss is not null).ToList();
            if (pss.Count == 0) continue;
            var light = plot.Add.Scatter(pss.Select(p => X(p.Ms)).ToArray(), pss.Select(p => p.Pss!.Value).ToArray(), Chart.Light(i));
            light.LegendText = $"{label} PSS";
            light.MarkerSize = line.MarkerSize;
        }
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Margins(bottom: 0, top: 0.2);
        return FigureResult.Drawn(plot,
            "One boot trial per runtime, the one with the median peak RSS (iteration "
            + string.Join(", ", lines.Select(l => $"{l.Label} #{l.Trial.Iteration}")) + "): RSS (dark) and PSS (light) summed over the sandbox's processes at each reading, "
            + "from the moment the runtime handed the sandbox back until it ended. Readings are every sample-interval of the plan.");
    }
}
