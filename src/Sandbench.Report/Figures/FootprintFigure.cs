using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>Memory per sandbox with many alive at once: RSS and PSS of each sandbox's processes, and the host's MemAvailable drop per sandbox.</summary>
internal sealed class FootprintFigure : IFigure
{
    public string Name => "footprint";

    public string Title => "Footprint per sandbox with many alive at once";

    public FigureResult Build(ReportData data)
    {
        var rows = data.Runs.SelectMany(r => r.Footprints.Select(f => (Label: $"{data.Label(r, f.Runtime)}\n{f.Source}, {f.Sandboxes} read", f))).ToList();
        if (rows.Count == 0)
        {
            return FigureResult.Skip(data.Runs.Any(r => r.TrialsOf("scale").Count + r.TrialsOf("density").Count > 0)
                ? $"no scale step or density run of {Skips.Runs(data)} has a memory reading of its sandboxes"
                : $"no scale or density trials in {Skips.Runs(data)} (plans/scale.yaml or plans/density.yaml measure it)");
        }

        var plot = Chart.New(Title, "runtime", "MiB per sandbox");
        var series = new (string Label, Func<Sandbench.Core.Stats.Footprint, (double Value, double Low, double High)?> Of)[]
        {
            ("RSS (median, min–max)", f => f.RssMiB is { } s ? (s.P50, s.Min, s.Max) : null),
            ("PSS (median, min–max)", f => f.PssMiB is { } s ? (s.P50, s.Min, s.Max) : null),
            ("host MemAvailable drop / sandboxes", f => f.DropPerSandboxMiB is { } d ? (d, d, d) : null),
        };
        double width = 0.8 / series.Length;
        for (int k = 0; k < series.Length; k++)
        {
            var values = rows.Select(r => series[k].Of(r.f)).ToList();
            Chart.BarsWithWhiskers(plot, [.. values.Select(v => v?.Value ?? double.NaN)], [.. values.Select(v => v?.Low ?? double.NaN)], [.. values.Select(v => v?.High ?? double.NaN)],
                offset: (k - 1) * width, width: width * 0.9, color: Chart.Color(k), legend: series[k].Label);
        }
        Chart.Categories(plot, [.. rows.Select(r => r.Label)]);
        plot.ShowLegend(Alignment.UpperLeft);
        return FigureResult.Drawn(plot,
            "RSS and PSS summed over each sandbox's processes, read once all had answered (per runtime: its largest scale step that did not break, and each density run); "
            + "MemAvailable drop: the host's (before − after) / sandboxes alive, after sync and drop_caches where the plan said so: it includes what the runtime holds outside "
            + "the sandbox's processes, and the host's other processes move it too.");
    }
}
