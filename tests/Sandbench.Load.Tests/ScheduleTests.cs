using Sandbench.Load;

namespace Sandbench.Load.Tests;

public sealed class ScheduleTests
{
    private const long Hz = 1_000_000_000;

    [Theory]
    [InlineData(1000, 2.0, 2000)]
    [InlineData(5000, 10.0, 50000)]
    [InlineData(3, 1.0, 3)]
    [InlineData(2.5, 1.0, 3)]
    [InlineData(0.5, 1.0, 1)]
    public void Total_IsRequestsDueBeforeTheEnd(double rate, double seconds, long expected)
    {
        Assert.Equal(expected, new Schedule(0, rate, TimeSpan.FromSeconds(seconds), Hz).Total);
    }

    [Fact]
    public void Due_IsStartPlusIOverRate()
    {
        var s = new Schedule(1_000, 4, TimeSpan.FromSeconds(1), Hz);

        Assert.Equal(1_000, s.Due(0));
        Assert.Equal(1_000 + 250_000_000, s.Due(1));
        Assert.Equal(1_000 + 750_000_000, s.Due(3));
    }

    [Fact]
    public void DueBy_NeverReleasesARequestBeforeItsTime()
    {
        var s = new Schedule(17, 3000, TimeSpan.FromSeconds(1), Hz);
        for (long now = 0; now < Hz; now += 99_991)
        {
            long n = s.DueBy(now);
            if (n > 0) Assert.True(s.Due(n - 1) <= now);
            if (n < s.Total) Assert.True(s.Due(n) > now);
        }
        Assert.Equal(0, s.DueBy(16));
        Assert.Equal(1, s.DueBy(17));
        Assert.Equal(3000, s.DueBy(10 * Hz));
    }
}
