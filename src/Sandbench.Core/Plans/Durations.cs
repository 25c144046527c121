using System.Globalization;
using System.Text.RegularExpressions;

namespace Sandbench.Core.Plans;

/// <summary>Durations as people write them: <c>250us</c>, <c>20ms</c>, <c>30s</c>, <c>2m</c>.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ns|us|µs|ms|s|m|h)\s*$")]
    private static partial Regex Pattern();

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var m = Pattern().Match(text);
        if (!m.Success) return false;
        double n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        double ticks = m.Groups[2].Value switch
        {
            "ns" => n / 100,
            "us" or "µs" => n * 10,
            "ms" => n * TimeSpan.TicksPerMillisecond,
            "s" => n * TimeSpan.TicksPerSecond,
            "m" => n * TimeSpan.TicksPerMinute,
            _ => n * TimeSpan.TicksPerHour,
        };
        if (ticks > TimeSpan.MaxValue.Ticks) return false;
        value = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not a duration (e.g. 100us, 20ms, 30s, 2m)");

    public static string Format(TimeSpan t) =>
        t.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{(long)t.TotalSeconds}s"
        : t.Ticks % TimeSpan.TicksPerMillisecond == 0 ? $"{(long)t.TotalMilliseconds}ms"
        : t.Ticks % 10 == 0 ? $"{t.Ticks / 10}us"
        : $"{t.Ticks * 100}ns";
}
