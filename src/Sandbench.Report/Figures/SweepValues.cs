using System.Globalization;

namespace Sandbench.Report.Figures;

/// <summary>Numbers in swept option values: <c>512</c>, <c>8M</c>, <c>1G</c> (sizes in binary units, as the plans write them).</summary>
internal static class SweepValues
{
    public static double? Number(string value)
    {
        string s = value.Trim();
        double unit = 1;
        if (s.Length > 1 && char.ToUpperInvariant(s[^1]) is 'K' or 'M' or 'G' && char.IsDigit(s[^2]))
        {
            unit = char.ToUpperInvariant(s[^1]) switch { 'K' => 1 << 10, 'M' => 1 << 20, _ => 1 << 30 };
            s = s[..^1];
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v * unit : null;
    }

    /// <summary>Orders values numerically where they are numbers, else as the plan listed them.</summary>
    public static IReadOnlyList<string> Ordered(IEnumerable<string> values)
    {
        var list = values.Distinct().ToList();
        return list.All(v => Number(v) is not null) ? [.. list.OrderBy(v => Number(v))] : list;
    }
}
