using Sandbench.Report;

namespace Sandbench.Cli.Rendering;

/// <summary>What <c>report</c> prints: one line per figure written or skipped (with why), then where the page is.</summary>
internal static class ReportView
{
    public static void Figure(WrittenFigure? written, SkippedFigure? skipped)
    {
        if (written is not null) Console.WriteLine($"wrote {written.PngPath} and .svg: {written.Title}");
        if (skipped is not null) Console.WriteLine($"skipped {skipped.Name}: {skipped.Reason}");
    }

    public static void Summary(ReportOutcome outcome) =>
        Console.WriteLine($"report: {outcome.HtmlPath} ({outcome.Figures.Count} figures, {outcome.Skipped.Count} skipped)");
}
