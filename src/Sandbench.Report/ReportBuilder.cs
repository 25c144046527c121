using Sandbench.Core;
using Sandbench.Core.Stats;
using Sandbench.Report.Html;

namespace Sandbench.Report;

/// <summary>A figure written as PNG and SVG.</summary>
public sealed record WrittenFigure(string Name, string Title, string Caption, string PngPath, string SvgPath, string Svg);

/// <summary>A figure the data did not support, and why.</summary>
public sealed record SkippedFigure(string Name, string Title, string Reason);

/// <summary>What <see cref="ReportBuilder.Write"/> produced.</summary>
public sealed record ReportOutcome(IReadOnlyList<WrittenFigure> Figures, IReadOnlyList<SkippedFigure> Skipped, string HtmlPath);

/// <summary>
/// Writes the report of some runs into a directory: every figure of <paramref name="figures"/> the data
/// supports as PNG and SVG, and one self-contained report.html (inline SVG, every table, the environment
/// and method notes; no external requests).
/// </summary>
public sealed class ReportBuilder(IReadOnlyList<IFigure> figures, TimeProvider time)
{
    public const string HtmlFile = "report.html";

    /// <summary>Creates <paramref name="dir"/> if needed and proves a file can be written there, before any work.</summary>
    /// <exception cref="SandbenchException">The directory cannot be made or written.</exception>
    public static void PrepareOutput(string dir)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dir);
        try
        {
            if (File.Exists(dir)) throw new SandbenchException($"--out {dir}: is a file; give a directory to write the report into");
            Directory.CreateDirectory(dir);
            string probe = Path.Combine(dir, $".sandbench-write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SandbenchException($"--out {dir}: cannot write there ({e.Message.TrimEnd('.')})");
        }
    }

    /// <param name="onFigure">Told about each figure as it is written or skipped (progress for the command line).</param>
    public ReportOutcome Write(ReportData data, string dir, string toolVersion, Action<WrittenFigure?, SkippedFigure?>? onFigure = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var written = new List<WrittenFigure>();
        var skipped = new List<SkippedFigure>();
        // Figures are independent (each its own plot over read-only data): built and rendered on as many cores as there
        // are, and reported in their order as soon as each one and those before it are done.
        var results = new (WrittenFigure? Done, SkippedFigure? Skip)?[figures.Count];
        int reported = 0;
        var gate = new Lock();
        Parallel.For(0, figures.Count, i =>
        {
            var result = Render(figures[i], data, dir);
            lock (gate)
            {
                results[i] = result;
                for (; reported < results.Length && results[reported] is { } r; reported++)
                {
                    if (r.Done is { } d) written.Add(d);
                    if (r.Skip is { } k) skipped.Add(k);
                    onFigure?.Invoke(r.Done, r.Skip);
                }
            }
        });

        var comparison = data.Runs.Count == 2 ? Comparison.Compare(data.Runs[0].Trials, data.Runs[1].Trials) : null;
        string html = Path.Combine(dir, HtmlFile);
        File.WriteAllText(html, HtmlReport.Render(data, written, skipped, comparison, toolVersion, time.GetUtcNow()));
        return new ReportOutcome(written, skipped, html);
    }

    private static (WrittenFigure?, SkippedFigure?) Render(IFigure figure, ReportData data, string dir)
    {
        var result = figure.Build(data);
        if (result.Plot is null) return (null, new SkippedFigure(figure.Name, figure.Title, result.SkipReason ?? "no data"));
        string png = Path.Combine(dir, figure.Name + ".png"), svgPath = Path.Combine(dir, figure.Name + ".svg");
        result.Plot.SavePng(png, result.Width, result.Height);
        string svg = result.Plot.GetSvgXml(result.Width, result.Height);
        File.WriteAllText(svgPath, svg);
        return (new WrittenFigure(figure.Name, figure.Title, result.Caption, png, svgPath, svg), null);
    }
}
