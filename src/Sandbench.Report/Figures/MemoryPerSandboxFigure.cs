using Sandbench.Core.Stats;
using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>Memory per sandbox per runtime: the peaks the boot experiment read from /proc (seed 004's total memory; VMM overhead as Firecracker measures it).</summary>
internal sealed class MemoryPerSandboxFigure : IFigure
{
    public string Name => "memory-per-sandbox";

    public string Title => "Memory per sandbox: peak RSS and PSS of its processes";

    public FigureResult Build(ReportData data)
    {
        var rows = data.Runs.SelectMany(r => r.Boot.Select(b => (Label: data.Label(r, b.Runtime), b)))
            .Where(x => x.b.RssPeakMiB is not null || x.b.PssPeakMiB is not null).ToList();
        if (rows.Count == 0)
        {
            return FigureResult.Skip(data.Runs.Any(r => r.Boot.Count > 0)
                ? $"no boot trial of {Skips.Runs(data)} has a memory reading (a sandbox shorter than the sample interval has none)"
                : Skips.NoTrials(data, "boot", "plans/boot.yaml or 'sandbench boot' measures it"));
        }

        var series = new (string Label, Func<BootResult, Summary?> Of)[]
        {
            ("peak RSS", b => b.RssPeakMiB),
            ("peak PSS", b => b.PssPeakMiB),
            ("VMM overhead (RSS − resident guest RAM)", b => b.VmmOverheadMiB),
        }.Where(s => rows.Any(r => s.Of(r.b) is not null)).ToList();
        var plot = Chart.New(Title, "runtime", "MiB: median of trials, whiskers min–max");
        double width = 0.8 / series.Count;
        for (int k = 0; k < series.Count; k++)
        {
            var of = series[k].Of;
            Chart.BarsWithWhiskers(plot,
                [.. rows.Select(r => of(r.b)?.P50 ?? double.NaN)], [.. rows.Select(r => of(r.b)?.Min ?? double.NaN)], [.. rows.Select(r => of(r.b)?.Max ?? double.NaN)],
                offset: (k - (series.Count - 1) / 2.0) * width, width: width * 0.9, color: Chart.Color(k), legend: series[k].Label);
        }
        Chart.Categories(plot, [.. rows.Select(r => $"{r.Label}\nn={r.b.RssPeakMiB?.N ?? r.b.PssPeakMiB?.N ?? 0}")]);
        plot.ShowLegend(Alignment.UpperLeft);
        return FigureResult.Drawn(plot,
            "Per trial, the largest total over the sandbox's processes at one reading (VMM and guest together, as seed 004 measures: which pages are the guest's cannot be told from outside); "
            + "bars: the median of those peaks over the boot trials that succeeded. PSS divides shared pages among their sharers. "
            + "A sandbox that lives for less than a sample interval has no reading, so its peak is missing or a lower bound.");
    }
}
