using Sandbench.Core.Stats;
using Sandbench.Core.Storage;

namespace Sandbench.Core.Tests.Stats;

public sealed class ComparisonTests
{
    private static readonly DateTimeOffset Started = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static TrialRecord[] Run(string id, string metric, params double[] values) =>
        [.. values.Select((v, i) => new TrialRecord(id, "coldstart", "runc", "hello", new Dictionary<string, string>(), i, false,
            TrialStatus.Ok, null, "socket", 0, Started, 0, [], [new(metric, v)]))];

    [Fact]
    public void Compare_ClearSlowdownOfALatency_RegressionWithSmallP()
    {
        var a = Run("a", "coldstart_ns", 100, 101, 99, 100, 102, 98, 100, 101, 99, 100);
        var b = Run("b", "coldstart_ns", 120, 121, 119, 120, 122, 118, 120, 121, 119, 120);

        var r = Assert.Single(Comparison.Compare(a, b));

        Assert.Equal(100, r.MedianA);
        Assert.Equal(120, r.MedianB);
        Assert.Equal(1.2, r.Ratio, 9);
        Assert.True(r.P < 0.01, $"p = {r.P}");
        Assert.InRange(1.2, r.RatioCiLow, r.RatioCiHigh);
        Assert.Equal("regression", r.Verdict);
    }

    [Fact]
    public void Compare_HigherRateIsBetter_Improvement()
    {
        var a = Run("a", "achieved_rate", 900, 905, 910, 895, 900, 902, 898, 901);
        var b = Run("b", "achieved_rate", 1000, 1005, 1010, 995, 1000, 1002, 998, 1001);

        var r = Assert.Single(Comparison.Compare(a, b));

        Assert.True(r.HigherIsBetter);
        Assert.Equal("improvement", r.Verdict);
    }

    [Fact]
    public void Compare_SignificantButBelowThreshold_Same()
    {
        var a = Run("a", "coldstart_ns", 100, 100.1, 99.9, 100, 100.1, 99.9, 100, 100.1, 99.9, 100);
        var b = Run("b", "coldstart_ns", 102, 102.1, 101.9, 102, 102.1, 101.9, 102, 102.1, 101.9, 102);

        var r = Assert.Single(Comparison.Compare(a, b, threshold: 0.05));

        Assert.True(r.P < 0.01);
        Assert.Equal("same", r.Verdict); // 2% < 5%
    }

    [Fact]
    public void PermutationP_ThreeAgainstThree_ExactOverAllTwentySplits()
    {
        // Of the C(6,3) = 20 splits only the observed one and its mirror have |Δmedian| = 3 or more.
        double p = Comparison.PermutationP([1, 2, 3], [4, 5, 6], new Random(1));

        Assert.Equal(2.0 / 20, p, 12);
    }

    [Fact]
    public void PermutationP_SameValues_One()
    {
        Assert.Equal(1.0, Comparison.PermutationP([5, 5, 5, 5], [5, 5, 5, 5], new Random(1)));
    }

    [Fact]
    public void Compare_SameInputTwice_SameResult()
    {
        var a = Run("a", "coldstart_ns", [.. Enumerable.Range(0, 30).Select(i => 100.0 + i % 7)]);
        var b = Run("b", "coldstart_ns", [.. Enumerable.Range(0, 30).Select(i => 103.0 + i % 5)]);

        Assert.Equal(Comparison.Compare(a, b), Comparison.Compare(a, b));
    }

    [Fact]
    public void Compare_WarmupsFailuresAndUnmatchedGroups_LeftOut()
    {
        var a = Run("a", "coldstart_ns", 1, 2, 3).Concat([Run("a", "coldstart_ns", 50)[0] with { Warmup = true }]).ToArray();
        var b = Run("b", "coldstart_ns", 1, 2, 3).Select(t => t with { Runtime = "runsc" }).ToArray();

        Assert.Empty(Comparison.Compare(a, b));
        Assert.Equal(["coldstart runc hello: only in run A", "coldstart runsc hello: only in run B"], Comparison.Unmatched(a, b));
    }
}
