using ScottPlot;

namespace Sandbench.Report;

/// <summary>
/// One figure of the report: turns the runs' query results into one plot, or says why it cannot.
/// A figure whose data is missing is skipped with its reason, never drawn empty. Figures are listed
/// in <see cref="FigureRegistry"/>; each lives in a file of its own under <c>Figures/</c>.
/// </summary>
public interface IFigure
{
    /// <summary>File name without extension (<c>coldstart-mean</c> → coldstart-mean.png, .svg); unique in the registry.</summary>
    string Name { get; }

    /// <summary>What the figure shows, printed when it is skipped and used as the HTML heading.</summary>
    string Title { get; }

    /// <summary>Builds the plot from <paramref name="data"/>, or says why the data does not support it.</summary>
    FigureResult Build(ReportData data);
}

/// <summary>A built figure (<see cref="Plot"/> is set) or a skipped one (<see cref="SkipReason"/> is set).</summary>
/// <param name="Caption">How to read the figure: what was measured, which statistic, n, the method's resolution.</param>
/// <param name="Width">Pixel size the figure is rendered at.</param>
public sealed record FigureResult(Plot? Plot, string Caption, string? SkipReason, int Width = 900, int Height = 540)
{
    public static FigureResult Drawn(Plot plot, string caption, int width = 900, int height = 540) => new(plot, caption, null, width, height);

    public static FigureResult Skip(string reason) => new(null, "", reason);
}
