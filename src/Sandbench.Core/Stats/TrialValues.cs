using System.Runtime.InteropServices;
using Sandbench.Core.Storage;

namespace Sandbench.Core.Stats;

/// <summary>A metric's values over many trials, read without boxing (runs hold 100,000s of trials).</summary>
public static class TrialValues
{
    /// <summary>The first sample named <paramref name="metric"/> of every trial that has one, in trial order.</summary>
    public static List<double> Values(this IEnumerable<TrialRecord> trials, string metric)
    {
        if (!trials.TryGetNonEnumeratedCount(out int n))
        {
            var grown = new List<double>();
            foreach (var t in trials)
                if (t.Sample(metric) is { } v) grown.Add(v);
            return grown;
        }
        // Written in place into a list of the largest size, then cut to what was found: no Add per value.
        var values = new List<double>(n);
        CollectionsMarshal.SetCount(values, n);
        var span = CollectionsMarshal.AsSpan(values);
        int found = 0;
        foreach (var t in trials)
        {
            if (found == span.Length) break; // the sequence grew after it was counted
            if (t.Sample(metric) is { } v) span[found++] = v;
        }
        CollectionsMarshal.SetCount(values, found);
        return values;
    }
}
