using Microsoft.Extensions.Time.Testing;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Tests.Timing;

public sealed class MonotonicClockTests
{
    /// <summary>A clock with any timestamp frequency, standing still at a given timestamp.</summary>
    private sealed class FixedTimeProvider(long frequency, long timestamp) : TimeProvider
    {
        public override long TimestampFrequency => frequency;

        public override long GetTimestamp() => timestamp;
    }

    [Theory]
    [InlineData(10_000_000, 12_345, 1_234_500)]      // 100 ns ticks (FakeTimeProvider, Windows)
    [InlineData(1_000_000, 7, 7_000)]                // microseconds
    [InlineData(1_000, 3, 3_000_000)]                // milliseconds
    [InlineData(1_000_000_000, 987_654_321, 987_654_321)] // already nanoseconds
    public void ToNs_Frequency_ConvertsToNanoseconds(long frequency, long timestamp, long expectedNs)
    {
        var clock = new MonotonicClock(new FixedTimeProvider(frequency, 0));

        Assert.Equal(expectedNs, clock.ToNs(timestamp));
    }

    [Fact]
    public void NowNs_InjectedProvider_ReadsItsTimestamp()
    {
        var clock = new MonotonicClock(new FixedTimeProvider(1_000_000, 5_000));

        Assert.Equal(5_000_000, clock.NowNs());
    }

    [Fact]
    public void NowNs_FakeTimeProviderAdvanced_AdvancesByTheSameNanoseconds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.MinValue.AddSeconds(1));
        var clock = new MonotonicClock(time);
        long before = clock.NowNs();

        time.Advance(TimeSpan.FromMilliseconds(1.5));

        Assert.Equal(1_000_000_000, before);
        Assert.Equal(1_500_000, clock.NowNs() - before);
    }

    [Fact]
    public void NowNs_DefaultFakeTimeProvider_AdvancesWithTheClock()
    {
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time);
        long before = clock.NowNs();

        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(1_000_000, clock.NowNs() - before);
    }

    [Fact]
    public void IsHostMonotonic_FakeProvider_IsFalse() =>
        Assert.False(new MonotonicClock(new FakeTimeProvider()).IsHostMonotonic);

    [Fact]
    public void Time_Constructed_IsTheInjectedProvider()
    {
        var time = new FakeTimeProvider();

        Assert.Same(time, new MonotonicClock(time).Time);
    }
}
