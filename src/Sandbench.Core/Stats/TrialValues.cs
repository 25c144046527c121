using Sandbench.Core.Storage;

namespace Sandbench.Core.Stats;

/// <summary>A metric's values over many trials, read without boxing (runs hold 100,000s of trials).</summary>
public static class TrialValues
{
    /// <summary>The first sample named <paramref name="metric"/> of every trial that has one, in trial order.</summary>
    public static List<double> Values(this IEnumerable<TrialRecord> trials, string metric)
    {
        var values = new List<double>(trials.TryGetNonEnumeratedCount(out int n) ? n : 0);
        foreach (var t in trials)
            if (t.Sample(metric) is { } v) values.Add(v);
        return values;
    }
}
