using HdrHistogram;

namespace Sandbench.Report.Figures;

/// <summary>A latency distribution as HdrHistogram's plotter draws it: x = log10 of 1/(1−q), y = the value at percentile q.</summary>
internal static class Spectrum
{
    /// <summary>Percentile ticks per halving of the distance to 100%, as HdrHistogram's percentile output uses.</summary>
    private const int TicksPerHalfDistance = 5;

    public const string Axis = "percentile (log scale of 1/(1−q))";

    /// <summary>HdrHistogram's percentile iteration, values divided by <paramref name="perMs"/> (recorded units per ms); without q = 1 (infinitely far right).</summary>
    public static List<(double X, double Y)> Points(LongHistogram h, double perMs) =>
        [.. h.Percentiles(TicksPerHalfDistance)
            .Where(v => v.PercentileLevelIteratedTo < 100)
            .Select(v => (Math.Log10(1 / (1 - v.PercentileLevelIteratedTo / 100)), v.ValueIteratedTo / perMs))];

    /// <summary>Labels a decade 1/(1−q) as its percentile: 1 → 0%, 10 → 90%, 100 → 99%.</summary>
    public static string Label(double oneOverOneMinusQ) =>
        oneOverOneMinusQ <= 1 ? "0%" : Chart.Inv($"{100 * (1 - 1 / oneOverOneMinusQ):0.#####}%");
}
