using System.Globalization;
using Sandbench.Core.Stats;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>The boot table: time to run, time to boot, VMM start, image size and peak memory per runtime.</summary>
internal static class BootView
{
    public static void Print(IReadOnlyList<BootResult> results)
    {
        var table = new Table().Title("boot: medians, with the 95% CI of the mean time to run");
        foreach (var c in new[] { "runtime", "n", "run ms", "95% CI", "boot ms", "VMM start ms", "image MiB", "peak RSS MiB", "peak PSS MiB", "VMM overhead MiB", "failed" })
            table.AddColumn(new TableColumn(c) { Alignment = c is "runtime" or "95% CI" ? Justify.Left : Justify.Right });
        static string F(Summary? s) => s is null ? "–" : s.P50.ToString(s.P50 >= 100 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
        foreach (var r in results)
        {
            table.AddRow(
                Markup.Escape(r.Runtime), (r.RunMs?.N ?? 0).ToString(CultureInfo.InvariantCulture),
                F(r.RunMs), r.RunMs is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s.CiLow:0.0} – {s.CiHigh:0.0}") : "–",
                F(r.BootMs), F(r.VmmStartMs), F(r.ImageMiB), F(r.RssPeakMiB), F(r.PssPeakMiB), F(r.VmmOverheadMiB),
                r.Failed == 0 ? "0" : $"[red]{r.Failed}[/]");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]run: spawn → the sandbox ended on its own; boot: guest let run (cont) → its init; memory: VMM and guest together, sampled from /proc; VMM overhead: peak RSS minus the resident guest RAM[/]");
        foreach (var r in results.Where(r => r.Errors.Count > 0))
            foreach (var e in r.Errors) AnsiConsole.MarkupLineInterpolated($"[red]{r.Runtime}[/]: {e}");
    }
}
