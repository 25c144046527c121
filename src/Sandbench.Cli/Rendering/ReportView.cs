using Sandbench.Report;

namespace Sandbench.Cli.Rendering;

/// <summary>
/// What <c>report</c> prints: one line per figure as it is written, then one line per reason figures were
/// skipped (figures missing the same data share it), then where the page is.
/// </summary>
internal static class ReportView
{
    public static void Figure(WrittenFigure? written, SkippedFigure? skipped)
    {
        if (written is not null) Console.WriteLine($"wrote {written.PngPath} and .svg: {written.Title}");
    }

    public static void Summary(ReportOutcome outcome)
    {
        foreach (var group in outcome.Skipped.GroupBy(s => s.Reason, StringComparer.Ordinal))
            Console.WriteLine($"skipped {string.Join(", ", group.Select(s => s.Name))}: {group.Key}");
        Console.WriteLine($"report: {outcome.HtmlPath} ({outcome.Figures.Count} figures, {outcome.Skipped.Count} skipped)");
    }
}
