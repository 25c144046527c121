using Sandbench.Core.Storage;

namespace Sandbench.Core.Stats;

/// <summary>One metric of one experiment × runtime × workload in two runs.</summary>
/// <param name="Ratio">Median of B over median of A.</param>
/// <param name="RatioCiLow">Lower end of the 95% bootstrap interval of <paramref name="Ratio"/>.</param>
/// <param name="P">Two-sided permutation-test p-value of the difference of means.</param>
/// <param name="Verdict">"regression", "improvement" or "same" (not significant, or within the threshold).</param>
public sealed record MetricComparison(
    string Experiment, string Runtime, string Workload, string Metric,
    int NA, int NB, double MedianA, double MedianB, double Ratio, double RatioCiLow, double RatioCiHigh, double P,
    bool HigherIsBetter, string Verdict);

/// <summary>
/// Compares two runs metric by metric with Firecracker's A/B rule: a change counts when a permutation
/// test of the difference of means gives p &lt; alpha (0.01) and the medians differ by more than a
/// threshold (5%). The size of a change is judged on medians, which long cold-start tails do not move;
/// the test uses means, because the median of a small sample is too coarse a statistic for a
/// permutation test (many relabellings tie with the observed split). Resampling uses a fixed seed, so
/// the same two runs always give the same p-values and intervals.
/// </summary>
public static class Comparison
{
    public const int Permutations = 10_000;
    public const int BootstrapResamples = 2_000;

    public static IReadOnlyList<MetricComparison> Compare(
        IReadOnlyList<TrialRecord> a, IReadOnlyList<TrialRecord> b, double threshold = 0.05, double alpha = 0.01)
    {
        var byKeyA = Values(a);
        var byKeyB = Values(b);
        var result = new List<MetricComparison>();
        foreach (var (key, va) in byKeyA)
        {
            if (!byKeyB.TryGetValue(key, out var vb) || va.Length < 2 || vb.Length < 2) continue;
            result.Add(CompareOne(key, va, vb, threshold, alpha));
        }
        return result;
    }

    /// <summary>Groups present in only one of the two runs (so a reader knows what was not compared).</summary>
    public static IReadOnlyList<string> Unmatched(IReadOnlyList<TrialRecord> a, IReadOnlyList<TrialRecord> b)
    {
        static HashSet<string> Groups(IReadOnlyList<TrialRecord> t) =>
            [.. t.Where(x => !x.Warmup).Select(x => $"{x.Experiment} {x.Runtime} {x.Workload}")];
        var ga = Groups(a);
        var gb = Groups(b);
        return [.. ga.Except(gb).Select(g => $"{g}: only in run A"), .. gb.Except(ga).Select(g => $"{g}: only in run B")];
    }

    /// <summary>Metrics where a larger value is better (rates, counts answered); everything else is a cost.</summary>
    public static bool IsHigherBetter(string metric) =>
        metric.Contains("rate", StringComparison.Ordinal) || metric.Contains("answered", StringComparison.Ordinal)
        || metric.Contains("throughput", StringComparison.Ordinal);

    private static Dictionary<(string Experiment, string Runtime, string Workload, string Metric), double[]> Values(IReadOnlyList<TrialRecord> trials) =>
        trials.Where(t => !t.Warmup && t.Status == TrialStatus.Ok)
            .SelectMany(t => t.Samples.Select(s => (Key: (t.Experiment, t.Runtime, t.Workload, Metric: s.Key), s.Value)))
            .Where(x => double.IsFinite(x.Value))
            .GroupBy(x => x.Key)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Value).ToArray());

    private static MetricComparison CompareOne(
        (string Experiment, string Runtime, string Workload, string Metric) key, double[] a, double[] b, double threshold, double alpha)
    {
        // One generator per comparison, seeded from nothing that varies, so results are reproducible.
        var random = new Random(20_261_123);
        double ma = Median(a), mb = Median(b);
        double ratio = ma != 0 ? mb / ma : mb == 0 ? 1 : double.PositiveInfinity;
        var (lo, hi) = BootstrapRatio(a, b, random);
        double p = PermutationP(a, b, random);
        bool higherBetter = IsHigherBetter(key.Metric);
        string verdict = "same";
        if (p < alpha && Math.Abs(ratio - 1) > threshold)
            verdict = (ratio > 1) == higherBetter ? "improvement" : "regression";
        return new MetricComparison(key.Experiment, key.Runtime, key.Workload, key.Metric, a.Length, b.Length,
            ma, mb, ratio, lo, hi, p, higherBetter, verdict);
    }

    /// <summary>
    /// Two-sided p-value of |mean(B) − mean(A)| under random relabelling of the pooled values:
    /// exact over every split when there are at most <see cref="Permutations"/> of them, else Monte
    /// Carlo with the add-one estimate (k + 1) / (R + 1), which never reports 0.
    /// </summary>
    public static double PermutationP(double[] a, double[] b, Random random)
    {
        double observed = Math.Abs(b.Average() - a.Average());
        double[] pooled = [.. a, .. b];
        // Relabellings that tie with the observed split count as extreme; sums differ in their last bits.
        double tolerance = 1e-9 * Math.Max(1, pooled.Max(Math.Abs));
        var x = new double[a.Length];
        var y = new double[b.Length];
        if (Binomial(pooled.Length, a.Length) is { } total && total <= Permutations)
        {
            long extreme = 0, count = 0;
            foreach (var mask in Combinations(pooled.Length, a.Length))
            {
                Split(pooled, mask, x, y);
                if (Math.Abs(y.Average() - x.Average()) >= observed - tolerance) extreme++;
                count++;
            }
            return (double)extreme / count;
        }
        long k = 0;
        var shuffled = (double[])pooled.Clone();
        for (int r = 0; r < Permutations; r++)
        {
            random.Shuffle(shuffled);
            Array.Copy(shuffled, 0, x, 0, a.Length);
            Array.Copy(shuffled, a.Length, y, 0, b.Length);
            if (Math.Abs(y.Average() - x.Average()) >= observed - tolerance) k++;
        }
        return (k + 1.0) / (Permutations + 1.0);
    }

    /// <summary>95% percentile bootstrap interval of median(B) / median(A), each run resampled on its own.</summary>
    private static (double Low, double High) BootstrapRatio(double[] a, double[] b, Random random)
    {
        var ratios = new double[BootstrapResamples];
        var ra = new double[a.Length];
        var rb = new double[b.Length];
        for (int i = 0; i < ratios.Length; i++)
        {
            for (int j = 0; j < ra.Length; j++) ra[j] = a[random.Next(a.Length)];
            for (int j = 0; j < rb.Length; j++) rb[j] = b[random.Next(b.Length)];
            double ma = Median(ra);
            ratios[i] = ma != 0 ? Median(rb) / ma : double.NaN;
        }
        double[] finite = [.. ratios.Where(double.IsFinite)];
        if (finite.Length == 0) return (double.NaN, double.NaN);
        Array.Sort(finite);
        return (Summary.Percentile(finite, 0.025), Summary.Percentile(finite, 0.975));
    }

    private static double Median(double[] values)
    {
        var v = (double[])values.Clone();
        Array.Sort(v);
        return Summary.Percentile(v, 0.5);
    }

    private static void Split(double[] pooled, bool[] mask, double[] x, double[] y)
    {
        int i = 0, j = 0;
        for (int k = 0; k < pooled.Length; k++)
        {
            if (mask[k]) x[i++] = pooled[k];
            else y[j++] = pooled[k];
        }
    }

    private static long? Binomial(int n, int k)
    {
        double r = 1;
        for (int i = 1; i <= k; i++)
        {
            r = r * (n - k + i) / i;
            if (r > Permutations) return null;
        }
        return (long)Math.Round(r);
    }

    /// <summary>Every way to choose <paramref name="k"/> of <paramref name="n"/> positions, as masks.</summary>
    private static IEnumerable<bool[]> Combinations(int n, int k)
    {
        var idx = Enumerable.Range(0, k).ToArray();
        var mask = new bool[n];
        while (true)
        {
            Array.Clear(mask);
            foreach (int i in idx) mask[i] = true;
            yield return mask;
            int p = k - 1;
            while (p >= 0 && idx[p] == n - k + p) p--;
            if (p < 0) yield break;
            idx[p]++;
            for (int q = p + 1; q < k; q++) idx[q] = idx[q - 1] + 1;
        }
    }
}
