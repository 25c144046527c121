namespace Sandbench.Report.Figures;

/// <summary>VM start-up timeline per phase (seed 000's vm-detail flame graph), from the boot experiment's phases where there are some.</summary>
internal sealed class VmTimelineFigure : IFigure
{
    public string Name => "vm-timeline";

    public string Title => "VM start-up timeline per phase";

    public FigureResult Build(ReportData data)
    {
        var (experiment, all) = PhaseTimeline.VmBreakdowns(data);
        if (all.Count == 0)
            return FigureResult.Skip($"no VM runtime (qemu, firecracker, cloud-hypervisor) has successful boot or cold-start trials in {Skips.Runs(data)}");
        // Plain runtimes first; a run that only holds sweep variants shows the first variant of each runtime (the others are in the vm-timeline-KEY figures).
        var plain = all.Where(x => !x.Breakdown.Runtime.Contains('@', StringComparison.Ordinal)).ToList();
        var chosen = (plain.Count > 0 ? plain : all.GroupBy(x => (x.Run, Variant.Parse(x.Breakdown.Runtime).Base)).Select(g => g.First()).ToList())
            .Take(PhaseTimeline.MaxConfigs).ToList();
        var configs = chosen.Select(x => (data.Label(x.Run, x.Breakdown.Runtime), x.Breakdown)).ToList();
        var plot = PhaseTimeline.Draw(configs.Count == 1 ? $"{Title}: {configs[0].Item1} ({experiment})" : $"{Title} ({experiment})", configs);
        int n = chosen.Min(x => x.Breakdown.Phases.Max(p => p.N));
        return FigureResult.Drawn(plot,
            Chart.Inv($"Each bar runs from the phase before it to the phase of its row: median offsets since spawn over n = {n} {experiment} trials (+ the step in ms). ")
            + (experiment == "boot" ? "Boot trials run the workload to completion: the guest powers off and the VMM exits. " : "")
            + (configs.Count == 1 ? PhaseTimeline.Stages : "")
            + (all.Count > chosen.Count ? $" Not drawn here: {string.Join(", ", all.Except(chosen).Select(x => data.Label(x.Run, x.Breakdown.Runtime)))}." : ""),
            900, PhaseTimeline.Height(configs));
    }
}
