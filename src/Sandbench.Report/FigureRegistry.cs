using Sandbench.Report.Figures;

namespace Sandbench.Report;

/// <summary>
/// The one table of figures, in report order. To add a figure: write a class implementing
/// <see cref="IFigure"/> in a file of its own under <c>Figures/</c> (skip with a reason when its data is
/// missing) and list it here.
/// </summary>
public static class FigureRegistry
{
    public static IReadOnlyList<IFigure> All { get; } =
    [
        new ColdStartMeanFigure(),
        new ColdStartP99Figure(),
        new StartupBreakdownFigure(),
        new StartupPieFigure(),
        new VmTimelineFigure(),
        new VmTimelineCompareFigure("memory", "guest memory sizes", "plans/vm-memory.yaml"),
        new VmTimelineCompareFigure("firmware", "firmwares", "plans/vm-firmware.yaml"),
        new VmTimelineCompareFigure("initrd-padding", "initramfs sizes", "plans/vm-initrd.yaml"),
        new VmTimelineCompareFigure("machine", "machine types", "plans/vm-machine.yaml"),
        new VmTimelineCompareFigure("vcpus", "vCPU counts", "plans/vm-vcpus.yaml"),
        new SweepLineFigure("memory", "memory", "guest memory size", "guest memory (MiB)", "plans/vm-memory.yaml"),
        new SweepLineFigure("initrd-padding", "initrd", "initramfs size", "initramfs size (MiB)", "plans/vm-initrd.yaml", "initrd_bytes", 1.0 / (1 << 20)),
        new SweepLineFigure("vcpus", "vcpus", "vCPU count", "vCPUs", "plans/vm-vcpus.yaml"),
        new WarmPercentilesFigure(),
        new WarmOverTimeFigure(),
        new FlowNormalizedFigure(),
        new EventingPercentilesFigure(),
        new EventingOverTimeFigure(),
        new SyscallOverheadFigure(),
        new ImagePullBreakdownFigure(),
        new ScaleLatencyFigure(),
        new ScaleAnsweredFigure(),
        new ScaleTimelineFigure(),
        new GatewayLatencyFigure(),
        new GatewayTimelineFigure(),
        new FootprintFigure(),
        new MemoryPerSandboxFigure(),
        new MemoryOverTimeFigure(),
        new HostCpuFigure(),
        new HostMemoryFigure(),
    ];
}
