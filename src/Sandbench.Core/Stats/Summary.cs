namespace Sandbench.Core.Stats;

/// <summary>
/// The statistics every figure reports. Percentiles interpolate linearly between the two closest
/// ranks (Hyndman–Fan type 7, numpy's default), so p50 equals the median hyperfine prints.
/// The confidence interval is for the mean, from Student's t with n−1 degrees of freedom.
/// </summary>
public sealed record Summary(
    int N,
    double Mean,
    double Min,
    double P50,
    double P90,
    double P99,
    double Max,
    double StdDev,
    double CiLow,
    double CiHigh)
{
    public static Summary? Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return null;
        double[] v = [.. values];
        Array.Sort(v);
        int n = v.Length;
        double mean = v.Average();
        double sd = n > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (n - 1)) : 0;
        double half = n > 1 ? StudentT.Quantile975(n - 1) * sd / Math.Sqrt(n) : 0;
        return new Summary(n, mean, v[0], Percentile(v, 0.50), Percentile(v, 0.90), Percentile(v, 0.99),
            v[^1], sd, mean - half, mean + half);
    }

    /// <summary>Type-7 percentile of already sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values", nameof(sorted));
        double h = (sorted.Count - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>
    /// The type-7 percentile of unsorted values, found by selection (Hoare's quickselect; linear time on average, where a
    /// sort is n log n): the same value <see cref="Percentile"/> gives once sorted. Reorders <paramref name="values"/>; NaN when empty.
    /// </summary>
    public static double SelectPercentile(Span<double> values, double q)
    {
        if (values.Length == 0) return double.NaN;
        double h = (values.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        double low = Select(values, lo);
        if (lo + 1 >= values.Length || h == lo) return low;
        // After selecting rank lo, every value above it sits to its right: the next rank is their minimum.
        double high = double.PositiveInfinity;
        foreach (double v in values[(lo + 1)..]) high = Math.Min(high, v);
        return low + (h - lo) * (high - low);
    }

    /// <summary>Puts the value of rank <paramref name="k"/> at index k, smaller ones before it and larger ones after; returns it.</summary>
    private static double Select(Span<double> a, int k)
    {
        int left = 0, right = a.Length - 1;
        while (right > left)
        {
            // Median of three as the pivot, so sorted or reversed input stays linear.
            int mid = left + (right - left) / 2;
            if (a[mid] < a[left]) (a[mid], a[left]) = (a[left], a[mid]);
            if (a[right] < a[left]) (a[right], a[left]) = (a[left], a[right]);
            if (a[right] < a[mid]) (a[right], a[mid]) = (a[mid], a[right]);
            double pivot = a[mid];
            int i = left, j = right;
            while (i <= j)
            {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            if (k <= j) right = j;
            else if (k >= i) left = i;
            else return a[k];
        }
        return a[k];
    }

    public Summary Scale(double factor) => new(N, Mean * factor, Min * factor, P50 * factor, P90 * factor,
        P99 * factor, Max * factor, StdDev * factor, CiLow * factor, CiHigh * factor);
}

/// <summary>Two-sided 95% quantiles of Student's t distribution.</summary>
public static class StudentT
{
    // t(0.975, df) for df = 1..30, from standard tables.
    private static readonly double[] Table =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    public static double Quantile975(int df)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(df, 1);
        if (df <= Table.Length) return Table[df - 1];
        // Cornish–Fisher expansion around the normal quantile; error < 1e-4 for df > 30.
        const double z = 1.959963984540054;
        double z3 = z * z * z, z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }
}
