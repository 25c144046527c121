using Sandbench.Core.Stats;

namespace Sandbench.Report.Figures;

/// <summary>Names of warm rows in figures and tables: the runtime and its load point, as <c>show</c> writes it.</summary>
internal static class WarmRows
{
    /// <summary>At most this many runtime × load lines in one warm figure.</summary>
    public const int MaxLines = 8;

    public static string Load(WarmResult r) =>
        r.Mode == "open" ? Chart.Inv($"{r.TargetRate:0.###} req/s") : Chart.Inv($"closed ×{r.Concurrency}");

    public static string Label(ReportData data, RunData run, WarmResult r) => $"{data.Label(run, r.Runtime)} {Load(r)}";

    public static string Hint => "plans/warm.yaml or 'sandbench warm' measures it";
}
