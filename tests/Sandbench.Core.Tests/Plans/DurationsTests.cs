using Sandbench.Core.Plans;

namespace Sandbench.Core.Tests.Plans;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("500ns", 5)] // 1 tick = 100 ns
    [InlineData("250us", 2_500)]
    [InlineData("250µs", 2_500)]
    [InlineData("20ms", 200_000)]
    [InlineData("1.5ms", 15_000)]
    [InlineData("30s", 300_000_000)]
    [InlineData("2m", 1_200_000_000)]
    [InlineData("1h", 36_000_000_000)]
    [InlineData(" 20 ms ", 200_000)]
    [InlineData("0s", 0)]
    public void TryParse_EachUnit_ReturnsTicks(string text, long expectedTicks)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromTicks(expectedTicks), value);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("-5s")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("5 parsecs")]
    [InlineData("1e3s")]
    [InlineData("s")]
    [InlineData("10 s 5")]
    public void TryParse_NotADuration_ReturnsFalse(string text)
    {
        Assert.False(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.Zero, value);
    }

    [Theory]
    [InlineData("99999999999999h")]
    [InlineData("1000000000000000000000000s")]
    public void TryParse_Overflow_ReturnsFalse(string text) =>
        Assert.False(Durations.TryParse(text, out _));

    [Fact]
    public void TryParse_LargestWholeHours_Succeeds()
    {
        // TimeSpan.MaxValue is about 256,204,778.8 hours.
        Assert.True(Durations.TryParse("256204778h", out var value));
        Assert.Equal(TimeSpan.FromHours(256_204_778), value);
    }

    [Fact]
    public void TryParse_NonAsciiDigits_ReturnsFalse() =>
        Assert.False(Durations.TryParse("\u0663s", out _)); // ARABIC-INDIC DIGIT THREE

    [Fact]
    public void Parse_NotADuration_ThrowsFormatExceptionWithExamples()
    {
        var e = Assert.Throws<FormatException>(() => Durations.Parse("10"));

        Assert.Equal("'10' is not a duration (e.g. 100us, 20ms, 30s, 2m)", e.Message);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(300_000_000, "30s")]
    [InlineData(36_000_000_000, "3600s")]
    [InlineData(15_000_000, "1500ms")]
    [InlineData(200_000, "20ms")]
    [InlineData(2_500, "250us")]
    [InlineData(10, "1us")]
    public void Format_Duration_UsesLargestExactUnit(long ticks, string expected) =>
        Assert.Equal(expected, Durations.Format(TimeSpan.FromTicks(ticks)));

    [Theory]
    [InlineData("250us")]
    [InlineData("250µs")]
    [InlineData("100us")]
    [InlineData("20ms")]
    [InlineData("1.5ms")]
    [InlineData("1.5s")]
    [InlineData("30s")]
    [InlineData("2m")]
    [InlineData("1h")]
    [InlineData("1000ns")]
    public void Format_ParsedDuration_ParsesBackToSameValue(string text)
    {
        var parsed = Durations.Parse(text);

        Assert.Equal(parsed, Durations.Parse(Durations.Format(parsed)));
    }

    [Fact]
    public void Format_SubMicrosecondDuration_ParsesBackToSameValue()
    {
        var parsed = Durations.Parse("1500ns");

        Assert.Equal(parsed, Durations.Parse(Durations.Format(parsed)));
    }
}
