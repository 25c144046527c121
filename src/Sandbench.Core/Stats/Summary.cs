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
