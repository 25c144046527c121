using System.Globalization;
using ScottPlot;

namespace Sandbench.Report;

/// <summary>The look every figure shares, and small drawing helpers (category axes, bars with whiskers, number formats).</summary>
internal static class Chart
{
    /// <summary>Category colours (Tableau 10, ScottPlot's default order), by series index.</summary>
    public static Color Color(int i) => Palette.GetColor(i);

    private static readonly ScottPlot.Palettes.Category10 Palette = new();

    private static readonly ScottPlot.Palettes.Category20 Palette20 = new();

    /// <summary>
    /// The light shade of <see cref="Color"/>(i): the second line of a pair (p50 beside p99, uncorrected beside corrected).
    /// Used instead of a dash pattern, which ScottPlot's SVG output cannot draw (it would come out solid there).
    /// </summary>
    public static Color Light(int i) => Palette20.GetColor(2 * (i % 10) + 1);

    /// <summary>Colours for up to 20 categories (phases): Tableau's ten, then their light shades.</summary>
    public static Color Color20(int i) => Palette20.GetColor(i % 20 < 10 ? 2 * (i % 10) : 2 * (i % 10) + 1);

    /// <summary>
    /// A sans-serif family installed here (ScottPlot's own detection may settle on a serif one). The SVG names it too,
    /// so the browser showing the report draws it with the same font where it is installed, else with its own sans-serif.
    /// </summary>
    public static string FontName { get; } =
        new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica" }.FirstOrDefault(Installed) ?? Fonts.Sans;

    private static bool Installed(string family)
    {
        using var typeface = SkiaSharp.SKFontManager.Default.MatchFamily(family);
        return typeface?.FamilyName == family;
    }

    /// <summary>A new plot with the report's title, axis labels and sans-serif font.</summary>
    public static Plot New(string title, string xLabel, string yLabel)
    {
        // Text plottables take ScottPlot's default font, not the plot's.
        Fonts.Default = FontName;
        var plot = new Plot();
        plot.Font.Set(FontName);
        plot.Title(title, 16);
        plot.XLabel(xLabel, 13);
        plot.YLabel(yLabel, 13);
        plot.Legend.FontName = FontName;
        return plot;
    }

    /// <summary>Names the integer positions 0..n−1 of the bottom axis (one per category) and hides its minor ticks.</summary>
    public static void Categories(Plot plot, IReadOnlyList<string> labels)
    {
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, labels.Count).Select(i => (double)i)], [.. labels]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(left: 0.5 / Math.Max(1, labels.Count), right: 0.5 / Math.Max(1, labels.Count), bottom: 0, top: 0.12);
    }

    /// <summary>The same, for categories on the left axis (horizontal bars); the first label is drawn at the top.</summary>
    public static void CategoriesLeft(Plot plot, IReadOnlyList<string> labels)
    {
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, labels.Count).Select(i => (double)(labels.Count - 1 - i))], [.. labels]);
        plot.Axes.Left.MajorTickStyle.Length = 0;
    }

    /// <summary>
    /// One bar per value with a whisker from <paramref name="low"/> to <paramref name="high"/> (null: no whisker),
    /// and the value written above the whisker's top so a short bar beside a tall one can still be read.
    /// </summary>
    /// <param name="valueBase">Where the bars start (a log axis's bars start at its bottom decade, or at a ratio of 1).</param>
    /// <param name="label">The text written for a value (default <see cref="Number"/>; a log axis's caller turns the plotted log back into the value).</param>
    public static void BarsWithWhiskers(Plot plot, IReadOnlyList<double> values, IReadOnlyList<double>? low, IReadOnlyList<double>? high,
        double offset = 0, double width = 0.8, Color? color = null, string? legend = null, double valueBase = 0, Func<double, string>? label = null)
    {
        var bars = new List<Bar>();
        for (int i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i])) continue;
            bars.Add(new Bar
            {
                Position = i + offset,
                ValueBase = valueBase,
                Value = values[i],
                Size = width,
                FillColor = color ?? Color(i),
                LineWidth = 0,
            });
        }
        var barPlot = plot.Add.Bars(bars);
        if (legend is not null) barPlot.LegendText = legend;
        // The labels' gap above a bar: a fraction of the tallest bar's height above its base.
        double top = Enumerable.Range(0, values.Count).Where(i => double.IsFinite(values[i])).Select(i => high?[i] ?? values[i]).DefaultIfEmpty(valueBase).Max() - valueBase;
        if (low is not null && high is not null)
        {
            var idx = Enumerable.Range(0, values.Count).Where(i => double.IsFinite(values[i]) && double.IsFinite(low[i]) && double.IsFinite(high[i])).ToList();
            var whiskers = plot.Add.ErrorBar([.. idx.Select(i => i + offset)], [.. idx.Select(i => values[i])], [.. idx.Select(i => high[i] - values[i])]);
            whiskers.YErrorNegative = [.. idx.Select(i => values[i] - low[i])];
            whiskers.Color = Colors.Black;
            whiskers.LineWidth = 1.5f;
            whiskers.CapSize = 10;
        }
        for (int i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i])) continue;
            double y = high is not null && double.IsFinite(high[i]) ? high[i] : values[i];
            // A bar that reaches below its base (a ratio under 1 on a log axis) has its label under its end.
            bool down = values[i] < valueBase;
            var text = plot.Add.Text((label ?? Number)(values[i]), i + offset, down ? values[i] - top * 0.015 : y + top * 0.015);
            text.LabelFontSize = 11;
            text.LabelFontName = FontName;
            text.LabelAlignment = down ? Alignment.UpperCenter : Alignment.LowerCenter;
        }
    }

    /// <summary>
    /// Makes <paramref name="axis"/> logarithmic: the data drawn on it must be log10 of the values; ticks sit at
    /// whole decades, labelled with the value (<paramref name="label"/> turns a decade's value into its text), minor ticks at 2..9.
    /// </summary>
    public static void LogAxis(IAxis axis, Func<double, string>? label = null)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => label is null ? Math.Pow(10, y).ToString("#,0.####", CultureInfo.InvariantCulture) : label(Math.Pow(10, y)),
        };
    }

    /// <summary>As <c>sandbench show</c> prints values: two decimals below 100, one from 100 on.</summary>
    public static string Number(double v) => v.ToString(Math.Abs(v) >= 100 ? "0.0" : "0.00", CultureInfo.InvariantCulture);

    /// <summary>ns as <c>sandbench show</c> prints them: one decimal below 100, whole ns with thousands separators from 100 on (25.3, 954, 21,545).</summary>
    public static string Ns(double ns) => ns.ToString(ns >= 100 ? "#,0" : "0.0", CultureInfo.InvariantCulture);

    /// <summary>A ratio to a baseline as <c>show</c> prints it: ×2.82, ×1.0.</summary>
    public static string Ratio(double r) => "×" + r.ToString("0.0#", CultureInfo.InvariantCulture);

    public static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A sweep variant's name <c>runtime@key=value,key2=value2</c>, split into the runtime and its swept values.</summary>
internal sealed record Variant(string Base, IReadOnlyDictionary<string, string> Values)
{
    public static Variant Parse(string runtime)
    {
        int at = runtime.IndexOf('@', StringComparison.Ordinal);
        if (at < 0) return new Variant(runtime, new Dictionary<string, string>());
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in runtime[(at + 1)..].Split(','))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) values[part[..eq]] = part[(eq + 1)..];
        }
        return new Variant(runtime[..at], values);
    }

    /// <summary>The swept values other than <paramref name="key"/>, as a label ("" when there are none).</summary>
    public string Others(string key) => string.Join(",", Values.Where(kv => kv.Key != key).Select(kv => $"{kv.Key}={kv.Value}"));
}
