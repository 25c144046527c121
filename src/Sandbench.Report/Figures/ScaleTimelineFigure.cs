using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>
/// Every sandbox of one scale step on one time line (seed 000's xput-detail: the start-up events of each
/// service of the highest concurrency level): one row per sandbox, from its spawn to its first byte, cut at its phases.
/// </summary>
internal sealed class ScaleTimelineFigure : IFigure
{
    /// <summary>More rows than this make bars thinner than a pixel line.</summary>
    private const int MaxRows = 500;

    public string Name => "scale-timeline";

    public string Title => "Start of each sandbox in one scale step";

    public FigureResult Build(ReportData data)
    {
        // The largest step that did not break, in the first run and runtime that has one (the seed's "highest concurrency level").
        var pick = data.Runs.SelectMany(r => r.TrialsOf(FleetSpec.Scale).Where(t => !t.Warmup && t.Parameters.GetValueOrDefault("broke") != "yes")
                .Select(t => (Run: r, Step: t)))
            .OrderByDescending(x => x.Step.Sample(ScaleExperiment.TargetMetric) ?? 0).ThenBy(x => x.Step.Id)
            .FirstOrDefault();
        if (pick.Step is null) return FigureResult.Skip(Skips.NoTrials(data, "scale", "'sandbench run plans/scale.yaml' measures it"));
        string id = pick.Step.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var members = pick.Run.TrialsOf(ScaleExperiment.MemberExperiment).Where(t => t.Parameters.GetValueOrDefault("step") == id).ToList();
        // Where each sandbox sits on the step's time line: its first byte from the step's start, minus its own spawn → first byte.
        var rows = members.Select(m => (Member: m, Offset: m.Sample(ScaleExperiment.FirstByteMetric) - m.Sample(ColdStartExperiment.Metric)))
            .Where(x => x.Offset is not null).OrderBy(x => x.Offset).Take(MaxRows).ToList();
        if (rows.Count == 0) return FigureResult.Skip($"no sandbox of the largest scale step of {Skips.Runs(data)} answered");

        var names = Segments.Names(rows.Select(r => Cut(r.Member))).ToList();
        var plot = Chart.New(Chart.Inv($"{Title}: {data.Label(pick.Run, pick.Step.Runtime)}, N = {pick.Step.Sample(ScaleExperiment.TargetMetric):0}"),
            "ms from the step's start", "sandbox, in the order they were spawned");
        var bars = new List<Bar>();
        for (int i = 0; i < rows.Count; i++)
        {
            double start = rows[i].Offset!.Value / 1e6, previous = start;
            foreach (var s in Cut(rows[i].Member))
            {
                bars.Add(new Bar { Position = rows.Count - 1 - i, ValueBase = previous, Value = previous + s.Ms, FillColor = Chart.Color20(names.IndexOf(s.Phase)), LineWidth = 0, Size = 0.85 });
                previous += s.Ms;
            }
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        for (int n = 0; n < names.Count; n++) plot.Legend.ManualItems.Add(new LegendItem { LabelText = "→ " + names[n], FillColor = Chart.Color20(n) });
        plot.ShowLegend(Edge.Right);
        plot.Axes.Left.TickLabelStyle.IsVisible = false;
        plot.Axes.Margins(left: 0, right: 0.05, bottom: 0.01, top: 0.01);
        int asked = (int)(pick.Step.Sample(ScaleExperiment.TargetMetric) ?? members.Count);
        return FigureResult.Drawn(plot,
            Chart.Inv($"Iteration {pick.Step.Iteration} of the largest step that did not break: {rows.Count} of {asked} sandboxes answered{(members.Count > MaxRows ? $" (the first {MaxRows} drawn)" : "")}. ")
            + "Each row runs from the sandbox's spawn to its first response byte, cut at its own phases (each segment ends at the phase it is named after).",
            900, Math.Min(1600, 220 + rows.Count * 6));
    }

    /// <summary>One sandbox's start cut at its phases, as the stacked cold-start bars cut a median one.</summary>
    private static List<Segments.Segment> Cut(TrialRecord member)
    {
        var list = new List<Segments.Segment>();
        long previous = 0;
        foreach (var (name, t) in member.Phases.OrderBy(p => p.Value))
        {
            if (name == Phases.Spawn || t < 0) continue;
            list.Add(new Segments.Segment(name, (t - previous) / 1e6));
            previous = t;
            if (name == Phases.FirstByte) break;
        }
        return list;
    }
}
