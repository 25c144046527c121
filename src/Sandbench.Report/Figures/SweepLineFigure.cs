using System.Globalization;
using Sandbench.Core.Stats;
using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>
/// Start-up time against a swept option (seed 000's memory-size and initrd-size plots): one line per
/// measure (cold start; time to boot and time to run from the boot experiment), the mean with its 95%
/// confidence interval at each value of the sweep.
/// </summary>
/// <param name="key">The swept option (<c>memory</c>, <c>initrd-padding</c>).</param>
/// <param name="xParameter">A trial parameter that gives the x value better than the swept value (the initramfs's real size), in units of <paramref name="xScale"/>.</param>
internal sealed class SweepLineFigure(string key, string name, string what, string xLabel, string plan, string? xParameter = null, double xScale = 1) : IFigure
{
    public string Name => $"sweep-{name}";

    public string Title => $"Start-up time vs {what}";

    public FigureResult Build(ReportData data)
    {
        var lines = new List<(string Label, List<(double X, Summary S)> Points)>();
        foreach (var run in data.Runs)
        {
            var variants = run.Trials.Select(t => t.Runtime).Distinct().Select(r => (Runtime: r, Variant: Variant.Parse(r)))
                .Where(v => v.Variant.Values.ContainsKey(key)).ToList();
            foreach (var g in variants.GroupBy(v => (v.Variant.Base, Others: v.Variant.Others(key))))
            {
                string who = data.Label(run, g.Key.Base) + (g.Key.Others.Length > 0 ? $" ({g.Key.Others})" : "");
                var measures = new (string Label, Func<string, Summary?> Of)[]
                {
                    ("cold start", r => run.ColdStart.FirstOrDefault(c => c.Runtime == r)?.ColdStartMs),
                    ("time to run (boot)", r => run.Boot.FirstOrDefault(b => b.Runtime == r)?.RunMs),
                    ("time to boot (boot)", r => run.Boot.FirstOrDefault(b => b.Runtime == r)?.BootMs),
                };
                foreach (var (label, of) in measures)
                {
                    var points = g.Select(v => (X: X(run, v.Runtime, v.Variant.Values[key]), S: of(v.Runtime)))
                        .Where(p => p.X is not null && p.S is not null).Select(p => (p.X!.Value, p.S!)).OrderBy(p => p.Value).ToList();
                    if (points.Select(p => p.Value).Distinct().Count() >= 2) lines.Add(($"{who}: {label}", points));
                }
            }
        }
        if (lines.Count == 0)
            return FigureResult.Skip($"no sweep over {key} with two or more numeric values and successful trials in {Skips.Runs(data)} ({plan} sweeps it)");

        var plot = Chart.New(Title, xLabel, "time (ms): mean, 95% CI");
        for (int i = 0; i < lines.Count; i++)
        {
            var (label, points) = lines[i];
            double[] xs = [.. points.Select(p => p.X)], ys = [.. points.Select(p => p.S.Mean)];
            var scatter = plot.Add.Scatter(xs, ys, Chart.Color(i));
            scatter.LegendText = label;
            scatter.LineWidth = 2;
            scatter.MarkerSize = 7;
            var ci = plot.Add.ErrorBar(xs, ys, [.. points.Select(p => p.S.CiHigh - p.S.Mean)]);
            ci.YErrorNegative = [.. points.Select(p => p.S.Mean - p.S.CiLow)];
            ci.Color = Chart.Color(i);
        }
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Margins(bottom: 0.05, top: 0.15);
        int n = lines.Min(l => l.Points.Min(p => p.S.N));
        return FigureResult.Drawn(plot,
            Chart.Inv($"Each point: the mean over the measured trials of one sweep value that succeeded (at least n = {n}), with the 95% confidence interval of the mean (Student's t). ")
            + (xParameter is null ? "" : $"x: the trials' stored {xParameter}, not the padding asked for. ")
            + "Cold start: spawn → first response byte; time to run: spawn → the sandbox ended on its own; time to boot: guest let run → its init.");
    }

    private double? X(RunData run, string runtime, string swept)
    {
        if (xParameter is not null)
        {
            var stored = run.Trials.Where(t => t.Runtime == runtime && t.Parameters.ContainsKey(xParameter))
                .Select(t => double.TryParse(t.Parameters[xParameter], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN)
                .Where(double.IsFinite).Distinct().ToList();
            // One size per variant; without one (an older run, or trials that disagree) the point is left out rather than guessed.
            return stored.Count == 1 ? stored[0] * xScale : null;
        }
        return SweepValues.Number(swept) * xScale;
    }
}
