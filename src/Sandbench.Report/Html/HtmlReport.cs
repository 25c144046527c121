using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Sandbench.Core.Stats;

namespace Sandbench.Report.Html;

/// <summary>
/// The report as one HTML file that needs nothing else: figures as inline SVG, tables, environment and
/// method notes, a style sheet in the page; no script, font, image or style is fetched from anywhere.
/// </summary>
internal static partial class HtmlReport
{
    public static string Render(ReportData data, IReadOnlyList<WrittenFigure> figures, IReadOnlyList<SkippedFigure> skipped,
        IReadOnlyList<MetricComparison>? comparison, string toolVersion, DateTimeOffset generatedUtc)
    {
        var h = new StringBuilder();
        string ids = string.Join(", ", data.Runs.Select(r => r.Info.Id));
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E($"Sandbench report: {ids}")).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        h.Append("<h1>").Append(E($"Sandbench report: {(data.MultiRun ? "runs" : "run")} {ids}")).Append("</h1>\n");
        h.Append("<p class=\"note\">").Append(E(Inv($"Generated {generatedUtc:yyyy-MM-dd HH:mm:ss} UTC by sandbench {toolVersion} from the results file; every number below can be checked there with sqlite3."))).Append("</p>\n");
        HtmlTables.Runs(h, data);

        h.Append("<nav><h2>Contents</h2>\n<ol>\n");
        foreach (var f in figures) h.Append("<li><a href=\"#fig-").Append(f.Name).Append("\">").Append(E(f.Title)).Append("</a></li>\n");
        h.Append("<li><a href=\"#statistics\">Statistics</a></li>\n");
        if (comparison is not null) h.Append("<li><a href=\"#comparison\">Comparison of the two runs</a></li>\n");
        h.Append("<li><a href=\"#environment\">Environment</a></li>\n<li><a href=\"#method\">Method notes</a></li>\n</ol>\n</nav>\n");

        h.Append("<h2 id=\"figures\">Figures</h2>\n");
        foreach (var f in figures)
        {
            h.Append("<section class=\"figure\" id=\"fig-").Append(f.Name).Append("\">\n<h3>").Append(E(f.Title)).Append("</h3>\n<figure>\n")
                .Append(InlineSvg(f.Svg, f.Name)).Append("\n<figcaption>").Append(E(f.Caption))
                .Append(" <span class=\"files\">").Append(E($"({Path.GetFileName(f.PngPath)}, {Path.GetFileName(f.SvgPath)})")).Append("</span></figcaption>\n</figure>\n</section>\n");
        }
        if (skipped.Count > 0)
        {
            h.Append("<h3 id=\"skipped\">Figures not drawn</h3>\n<ul class=\"skipped\">\n");
            foreach (var s in skipped) h.Append("<li><b>").Append(E(s.Name)).Append("</b> (").Append(E(s.Title)).Append("): ").Append(E(s.Reason)).Append("</li>\n");
            h.Append("</ul>\n");
        }

        h.Append("<h2 id=\"statistics\">Statistics</h2>\n");
        foreach (var run in data.Runs) HtmlTables.Statistics(h, run, data.MultiRun);
        if (comparison is not null) HtmlTables.Comparison(h, data.Runs[0], data.Runs[1], comparison);
        h.Append("<h2 id=\"environment\">Environment</h2>\n");
        foreach (var run in data.Runs) HtmlTables.Environment(h, run);
        h.Append("<h2 id=\"method\">Method notes</h2>\n").Append(MethodNotes.Html);
        h.Append("</body>\n</html>\n");
        return h.ToString();
    }

    /// <summary>
    /// An SVG file's markup for inclusion in the page: without its XML declaration, scaled to the page's width,
    /// and with its ids (clip paths) prefixed by the figure's name, so two figures' ids cannot collide.
    /// </summary>
    internal static string InlineSvg(string svg, string prefix)
    {
        int start = svg.IndexOf("<svg", StringComparison.Ordinal);
        string body = start >= 0 ? svg[start..] : svg;
        body = IdAttribute().Replace(body, m => $"{m.Groups[1].Value}=\"{prefix}-{m.Groups[2].Value}\"");
        body = UrlReference().Replace(body, m => $"url(#{prefix}-{m.Groups[1].Value})");
        body = HrefReference().Replace(body, m => $"{m.Groups[1].Value}=\"#{prefix}-{m.Groups[2].Value}\"");
        var size = RootSize().Match(body);
        if (size.Success)
        {
            body = string.Concat(body.AsSpan(0, size.Index),
                $"<svg role=\"img\" aria-label=\"{prefix}\" viewBox=\"0 0 {size.Groups[2].Value} {size.Groups[3].Value}\"{size.Groups[1].Value}width=\"{size.Groups[2].Value}\" height=\"{size.Groups[3].Value}\"",
                body.AsSpan(size.Index + size.Length));
        }
        return body.TrimEnd();
    }

    [GeneratedRegex(@"\b(id)=""([^""]+)""")]
    private static partial Regex IdAttribute();

    [GeneratedRegex("""url\(#([^)]+)\)""")]
    private static partial Regex UrlReference();

    [GeneratedRegex(@"\b((?:xlink:)?href)=""#([^""]+)""")]
    private static partial Regex HrefReference();

    [GeneratedRegex(@"<svg(\s[^>]*?)width=""(\d+)""\s+height=""(\d+)""")]
    private static partial Regex RootSize();

    internal static string E(string text) => WebUtility.HtmlEncode(text);

    internal static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private const string Style = """
        body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; line-height: 1.45; }
        h1 { font-size: 1.6em; border-bottom: 2px solid #444; padding-bottom: .2em; }
        h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 1px solid #bbb; }
        h3 { font-size: 1.1em; margin-top: 1.6em; }
        figure { margin: 0; }
        figure svg { max-width: 100%; height: auto; display: block; border: 1px solid #ddd; }
        figcaption { font-size: .9em; color: #444; margin-top: .4em; }
        .files { color: #888; }
        table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .88em; }
        caption { text-align: left; font-weight: bold; padding: .3em 0; }
        th, td { border: 1px solid #ccc; padding: .25em .55em; }
        th { background: #f2f2f2; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .note { color: #555; font-size: .9em; }
        .regression { color: #b00; font-weight: bold; }
        .improvement { color: #070; font-weight: bold; }
        .error { color: #b00; }
        pre { background: #f6f6f6; padding: .6em; overflow-x: auto; font-size: .85em; }
        ul.skipped li { margin: .2em 0; }
        """;
}
