using Sandbench.Core.Timing;
using Sandbench.Core.Stats;
using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>
/// A start-up timeline per phase (seed 000's VM start-up flame graph): one row per phase, a bar from the
/// phase before it to the phase itself on the time axis since spawn (median offsets); several
/// configurations side by side as thinner bars in each row.
/// </summary>
internal static class PhaseTimeline
{
    /// <summary>At most this many configurations in one timeline.</summary>
    public const int MaxConfigs = 4;

    /// <summary>A VM's breakdown: the VMM was started and then let the guest run (QMP <c>cont</c>, <c>InstanceStart</c>).</summary>
    public static bool IsVm(PhaseBreakdown b) => b.Phases.Any(p => p.Name is Phases.Boot or Phases.VmmReady);

    /// <summary>The breakdowns a VM figure draws: boot's (precise boot timing) where the runs have them, else cold start's.</summary>
    public static (string Experiment, IReadOnlyList<(RunData Run, PhaseBreakdown Breakdown)> List) VmBreakdowns(ReportData data)
    {
        var boot = data.Runs.SelectMany(r => r.BootPhases.Where(IsVm).Select(b => (r, b))).ToList();
        if (boot.Count > 0) return ("boot", boot);
        return ("coldstart", data.Runs.SelectMany(r => r.ColdStartPhases.Where(IsVm).Select(b => (r, b))).ToList());
    }

    public static Plot Draw(string title, IReadOnlyList<(string Label, PhaseBreakdown Breakdown)> configs)
    {
        // Rows in the first configuration's time order; phases only the others have go after, in the usual order.
        var rows = configs[0].Breakdown.Phases.Select(p => p.Name)
            .Concat(configs.Skip(1).SelectMany(c => c.Breakdown.Phases.Select(p => p.Name)).OrderBy(RunAnalysis.CanonicalRank))
            .Where(n => n != Phases.Spawn).Distinct().ToList();
        var plot = Chart.New(title, "time since spawn (ms)", "");
        double thickness = 0.8 / configs.Count;
        double end = configs.SelectMany(c => c.Breakdown.Phases).Select(p => p.MedianFromSpawnMs).DefaultIfEmpty(0).Max();
        for (int k = 0; k < configs.Count; k++)
        {
            var bars = new List<Bar>();
            double previous = 0;
            foreach (var p in configs[k].Breakdown.Phases)
            {
                if (p.Name == Phases.Spawn) continue;
                int row = rows.IndexOf(p.Name);
                // Rows run top to bottom; with several configurations the first is the upper bar of each row.
                double y = rows.Count - 1 - row + (configs.Count == 1 ? 0 : 0.4 - thickness * (k + 0.5));
                double start = Math.Min(previous, p.MedianFromSpawnMs);
                bars.Add(new Bar
                {
                    Position = y,
                    ValueBase = start,
                    Value = p.MedianFromSpawnMs,
                    Size = thickness * 0.9,
                    FillColor = Chart.Color(configs.Count == 1 ? PhaseGroup(p.Name) : k),
                    LineWidth = 0,
                });
                var label = plot.Add.Text(Chart.Inv($"+{Chart.Number(p.MedianFromSpawnMs - start)}"), p.MedianFromSpawnMs + end * 0.005, y);
                label.LabelFontSize = configs.Count > 2 ? 9 : 11;
                label.LabelAlignment = Alignment.MiddleLeft;
                previous = Math.Max(previous, p.MedianFromSpawnMs);
            }
            var barPlot = plot.Add.Bars(bars);
            barPlot.Horizontal = true;
            if (configs.Count > 1) plot.Legend.ManualItems.Add(new LegendItem { LabelText = configs[k].Label, FillColor = Chart.Color(k) });
        }
        Chart.CategoriesLeft(plot, rows);
        plot.Axes.Margins(left: 0, right: 0.12, bottom: 0.5 / Math.Max(1, rows.Count), top: 0.5 / Math.Max(1, rows.Count));
        if (configs.Count > 1) plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    /// <summary>A pixel height that gives every row room for its bars.</summary>
    public static int Height(IReadOnlyList<(string Label, PhaseBreakdown Breakdown)> configs)
    {
        int rows = configs.SelectMany(c => c.Breakdown.Phases.Select(p => p.Name)).Distinct().Count();
        return 160 + rows * (16 + 14 * configs.Count);
    }

    /// <summary>Colours of a single timeline by stage: VMM, guest kernel, guest user space, the workload and teardown.</summary>
    private static int PhaseGroup(string phase) => phase switch
    {
        Phases.VmmReady or Phases.VmmCommands or Phases.Boot or Phases.Created or Phases.Started => 0,
        Phases.GuestKernel or Phases.GuestPrintkFreeing or Phases.GuestPrintkInit => 1,
        Phases.GuestInit or Phases.GuestNet => 2,
        Phases.WorkloadStart or "workload-ready" or Phases.Listening or Phases.RequestSent or Phases.FirstByte or Phases.WorkloadExit => 3,
        _ => 4,
    };

    public static string Stages =>
        "Colours: VMM start-up (blue), guest kernel (orange), guest init (green), the workload (red), shutdown and teardown (purple).";
}
