using System.Globalization;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Runtimes;

/// <summary>
/// The workload's own timestamps: <c>sandbench-start NS</c> and <c>sandbench-ready NS HOW</c> lines on its
/// stdout, read from CLOCK_MONOTONIC, the same clock as ours when the sandbox shares the host kernel's clock.
/// </summary>
public static class WorkloadMarkers
{
    /// <summary>Marks <see cref="Phases.WorkloadStart"/> and <paramref name="readyPhase"/> from the workload's output file.</summary>
    public static void Read(string output, PhaseClock phases, string readyPhase)
    {
        if (!File.Exists(output)) return;
        foreach (var line in File.ReadLines(output).Take(100))
        {
            var parts = line.Split(' ');
            if (parts.Length < 2 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long ns)) continue;
            if (parts[0] == "sandbench-start") phases.MarkAt(Phases.WorkloadStart, ns);
            else if (parts[0] == "sandbench-ready") phases.MarkAt(readyPhase, ns);
        }
    }

    /// <summary>True when markers from this runtime's workloads can be placed on <paramref name="clock"/>'s time line.</summary>
    public static bool Readable(IRuntime runtime, MonotonicClock clock) => runtime.Capabilities.SharesHostClock && clock.IsHostMonotonic;
}
