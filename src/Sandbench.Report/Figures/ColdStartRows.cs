using Sandbench.Core.Stats;

namespace Sandbench.Report.Figures;

/// <summary>The cold-start statistics of every runtime of every run, as the two cold-start figures draw them.</summary>
internal static class ColdStartRows
{
    public sealed record Row(string Label, Summary Ms, string Readiness);

    public static IReadOnlyList<Row> Of(ReportData data) =>
        [.. data.Runs.SelectMany(r => r.ColdStart.Where(c => c.ColdStartMs is not null)
            .Select(c => new Row(data.Label(r, c.Via == "gateway" ? $"{c.Runtime} via gateway" : c.Runtime), c.ColdStartMs!, c.Readiness)))];

    /// <summary>The readiness method of each runtime (and its resolution), which belongs beside every cold-start figure.</summary>
    public static string Readiness(IReadOnlyList<Row> rows) =>
        "Readiness: " + string.Join("; ", rows.Select(r => $"{r.Label}: {r.Readiness}")) + "."
        + (rows.Any(r => r.Label.Contains(" via gateway", StringComparison.Ordinal))
            ? " Bars marked \"via gateway\" run from the client's request to its first response byte through the local gateway, not from the spawn."
            : "");
}
