namespace Sandbench.Report.Figures;

/// <summary>
/// Two configurations of a VM side by side on one start-up timeline (seed 000's vm_detail_multimem and
/// vm_detail_multiovmf): the two ends of a sweep over <c>key</c> (the smallest and largest value when
/// the values are numbers, else the first two the plan lists).
/// </summary>
internal sealed class VmTimelineCompareFigure(string key, string what, string plan) : IFigure
{
    public string Name => $"vm-timeline-{key}";

    public string Title => $"VM start-up timeline per phase: two {what} side by side";

    public FigureResult Build(ReportData data)
    {
        var (experiment, all) = PhaseTimeline.VmBreakdowns(data);
        var groups = all
            .Select(x => (x.Run, x.Breakdown, Variant: Variant.Parse(x.Breakdown.Runtime)))
            .Where(x => x.Variant.Values.ContainsKey(key))
            .GroupBy(x => (x.Run, x.Variant.Base, Others: x.Variant.Others(key)))
            .Where(g => g.Select(x => x.Variant.Values[key]).Distinct().Count() >= 2)
            .ToList();
        if (groups.Count == 0)
            return FigureResult.Skip($"no sweep over {key} with two or more values of a VM runtime in {Skips.Runs(data)} ({plan} sweeps it)");

        var g = groups[0];
        var values = SweepValues.Ordered(g.Select(x => x.Variant.Values[key]));
        string first = values[0], last = values[^1];
        var pair = new[] { first, last }.Select(v => g.First(x => x.Variant.Values[key] == v)).ToList();
        string who = data.Label(g.Key.Run, g.Key.Base) + (g.Key.Others.Length > 0 ? $" ({g.Key.Others})" : "");
        var configs = pair.Select(x => ($"{key}={x.Variant.Values[key]}", x.Breakdown)).ToList();
        var plot = PhaseTimeline.Draw($"{who}: {key}={first} vs {key}={last} ({experiment})", configs);
        int n = pair.Min(x => x.Breakdown.Phases.Max(p => p.N));
        return FigureResult.Drawn(plot,
            Chart.Inv($"{who} with {key} = {first} (upper bars) and {key} = {last} (lower bars), of the values {string.Join(", ", values)}: ")
            + Chart.Inv($"each bar runs from the phase before it to the phase of its row, median offsets since spawn over at least n = {n} {experiment} trials each.")
            + (groups.Count > 1 ? $" Other sweeps over {key} not drawn: {string.Join(", ", groups.Skip(1).Select(x => data.Label(x.Key.Run, x.Key.Base)))}." : ""),
            900, PhaseTimeline.Height(configs));
    }
}
