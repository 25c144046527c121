using Sandbench.Core.Timing;
using Sandbench.Core.Stats;

namespace Sandbench.Report.Figures;

/// <summary>
/// A runtime's cold start cut at its phases: from <c>spawn</c> to <c>first-byte</c>, each segment the
/// median offset of a phase minus that of the phase before it (phases in the runtime's time order, as
/// <see cref="RunAnalysis.PhaseBreakdowns"/> orders them). Differences of ordered medians are never negative
/// and add up to the median offset of <c>first-byte</c>: the bar is as tall as the median cold start.
/// </summary>
internal static class Segments
{
    public sealed record Segment(string Phase, double Ms);

    /// <summary>The segments of one breakdown, or null when it has no <c>first-byte</c> phase.</summary>
    public static IReadOnlyList<Segment>? Of(PhaseBreakdown breakdown)
    {
        var phases = breakdown.Phases;
        int end = phases.ToList().FindIndex(p => p.Name == Phases.FirstByte);
        if (end < 0) return null;
        var list = new List<Segment>();
        double previous = 0;
        for (int i = 0; i <= end; i++)
        {
            var p = phases[i];
            // Phases before the spawn (a request queued before it, with socket activation) are outside the window.
            if (p.Name == Phases.Spawn || p.MedianFromSpawnMs < 0) continue;
            list.Add(new Segment(p.Name, Math.Max(0, p.MedianFromSpawnMs - previous)));
            previous = Math.Max(previous, p.MedianFromSpawnMs);
        }
        return list;
    }

    /// <summary>Every phase name that ends a segment, in the order phases usually happen (for one colour per phase).</summary>
    public static IReadOnlyList<string> Names(IEnumerable<IReadOnlyList<Segment>> all) =>
        [.. all.SelectMany(s => s.Select(x => x.Phase)).Distinct().OrderBy(RunAnalysis.CanonicalRank).ThenBy(n => n, StringComparer.Ordinal)];
}
