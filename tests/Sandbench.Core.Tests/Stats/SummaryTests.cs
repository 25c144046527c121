using Sandbench.Core.Stats;

namespace Sandbench.Core.Tests.Stats;

public sealed class SummaryTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void Of_OneToTen_MatchesHandComputedStatistics()
    {
        double[] values = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6]; // 1..10, shuffled

        var s = Summary.Of(values)!;

        // Mean: (1 + ... + 10) / 10 = 55 / 10.
        double mean = 5.5;
        // Squared deviations from 5.5: 2 × (0.25 + 2.25 + 6.25 + 12.25 + 20.25) = 82.5; sample variance 82.5 / 9.
        double sd = Math.Sqrt(82.5 / 9); // 3.0276...
        // 95% CI of the mean: t(0.975, 9) = 2.262 from the table.
        double half = 2.262 * sd / Math.Sqrt(10);

        Assert.Equal(10, s.N);
        Assert.Equal(mean, s.Mean, Tolerance);
        Assert.Equal(1, s.Min);
        Assert.Equal(10, s.Max);
        // Type 7: h = (n - 1) q on sorted values, interpolate between x[floor h] and x[floor h + 1].
        Assert.Equal(5.5, s.P50, Tolerance);  // h = 4.5:  5 + 0.5 × (6 - 5)
        Assert.Equal(9.1, s.P90, Tolerance);  // h = 8.1:  9 + 0.1 × (10 - 9)   (numpy percentile(1..10, 90) = 9.1)
        Assert.Equal(9.91, s.P99, Tolerance); // h = 8.91: 9 + 0.91 × (10 - 9)
        Assert.Equal(sd, s.StdDev, Tolerance);
        Assert.Equal(3.0276503540974917, s.StdDev, 1e-12);
        Assert.Equal(mean - half, s.CiLow, Tolerance);
        Assert.Equal(mean + half, s.CiHigh, Tolerance);
    }

    [Fact]
    public void Of_TwentyValues_MatchesHandComputedStatistics()
    {
        double[] values = [12.5, 15, 11, 19, 14, 13, 30, 16, 12, 18, 17, 14, 15, 13.5, 16, 21, 12, 15, 14, 23];
        // Sorted (index: value):
        //  0: 11   1: 12   2: 12   3: 12.5  4: 13   5: 13.5  6: 14   7: 14   8: 14   9: 15
        // 10: 15  11: 15  12: 16  13: 16   14: 17  15: 18   16: 19  17: 21  18: 23  19: 30

        var s = Summary.Of(values)!;

        // Sum = 321, so mean = 321 / 20 = 16.05.
        double mean = 16.05;
        // Sum of squares = 5535.5, so Σ(x − mean)² = 5535.5 − 20 × 16.05² = 5535.5 − 5152.05 = 383.45.
        double sd = Math.Sqrt(383.45 / 19);
        // t(0.975, 19) = 2.093 from the table.
        double half = 2.093 * sd / Math.Sqrt(20);

        Assert.Equal(20, s.N);
        Assert.Equal(mean, s.Mean, Tolerance);
        Assert.Equal(11, s.Min);
        Assert.Equal(30, s.Max);
        Assert.Equal(15, s.P50, Tolerance);    // h = 19 × 0.5 = 9.5:   15 + 0.5 × (15 − 15)
        Assert.Equal(21.2, s.P90, Tolerance);  // h = 19 × 0.9 = 17.1:  21 + 0.1 × (23 − 21)
        Assert.Equal(28.67, s.P99, Tolerance); // h = 19 × 0.99 = 18.81: 23 + 0.81 × (30 − 23)
        Assert.Equal(sd, s.StdDev, Tolerance);
        Assert.Equal(mean - half, s.CiLow, Tolerance);
        Assert.Equal(mean + half, s.CiHigh, Tolerance);
    }

    [Fact]
    public void Of_SingleValue_StdDevZeroAndCiCollapsesToValue()
    {
        var s = Summary.Of([42.0])!;

        Assert.Equal(new Summary(1, 42, 42, 42, 42, 42, 42, 0, 42, 42), s);
    }

    [Fact]
    public void Of_Empty_ReturnsNull() => Assert.Null(Summary.Of([]));

    [Fact]
    public void Of_UnsortedArray_LeavesInputUnchanged()
    {
        double[] values = [3, 1, 2];

        Summary.Of(values);

        Assert.Equal([3.0, 1.0, 2.0], values);
    }

    [Fact]
    public void Percentile_ZeroAndOne_ReturnMinAndMax()
    {
        double[] sorted = [1, 4, 9];

        Assert.Equal(1, Summary.Percentile(sorted, 0));
        Assert.Equal(9, Summary.Percentile(sorted, 1));
        Assert.Equal(6.5, Summary.Percentile(sorted, 0.75)); // h = 1.5: 4 + 0.5 × (9 − 4)
    }

    [Fact]
    public void Percentile_Empty_Throws() =>
        Assert.Throws<ArgumentException>(() => Summary.Percentile([], 0.5));

    [Fact]
    public void Scale_Factor_ScalesEveryValueButN()
    {
        var s = new Summary(3, 2, 1, 2, 3, 4, 5, 6, 7, 8);

        Assert.Equal(new Summary(3, 20, 10, 20, 30, 40, 50, 60, 70, 80), s.Scale(10));
    }

    [Fact]
    public void SelectPercentile_RandomAndTiedAndOrderedInputs_EqualsPercentileOfTheSortedValues()
    {
        var random = new Random(7);
        foreach (int n in new[] { 1, 2, 3, 10, 101, 1000, 4096 })
        {
            foreach (var make in new Func<int, double>[] { _ => random.NextDouble(), _ => random.Next(5), i => i, i => -i })
            {
                double[] values = [.. Enumerable.Range(0, n).Select(make)];
                double[] sorted = [.. values.Order()];
                foreach (double q in new[] { 0, 0.25, 0.5, 0.9, 0.99, 1 })
                    Assert.Equal(Summary.Percentile(sorted, q), Summary.SelectPercentile(values.ToArray(), q));
            }
        }
        Assert.True(double.IsNaN(Summary.SelectPercentile([], 0.5)));
    }
}
