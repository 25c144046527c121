using Sandbench.Core.Stats;

namespace Sandbench.Core.Tests.Stats;

public sealed class StudentTTests
{
    [Theory]
    // Two-sided 95% (0.975 quantile) values from a standard t table.
    [InlineData(1, 12.706)]
    [InlineData(10, 2.228)]
    [InlineData(30, 2.042)]
    [InlineData(31, 2.040)]
    [InlineData(100, 1.984)]
    [InlineData(1000, 1.962)]
    public void Quantile975_Df_MatchesTable(int df, double expected) =>
        Assert.Equal(expected, StudentT.Quantile975(df), 1e-3);

    [Fact]
    public void Quantile975_HugeDf_ApproachesNormalQuantile() =>
        Assert.Equal(1.959964, StudentT.Quantile975(1_000_000), 1e-5);

    [Fact]
    public void Quantile975_AcrossTableEnd_KeepsDecreasing()
    {
        double previous = double.MaxValue;
        for (int df = 1; df <= 200; df++)
        {
            double t = StudentT.Quantile975(df);
            Assert.True(t < previous, $"t({df}) = {t} is not below t({df - 1}) = {previous}");
            previous = t;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Quantile975_DfBelowOne_Throws(int df) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile975(df));
}
