using System.Globalization;
using Sandbench.Core.Stats;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>The syscall × runtime table: median ns per operation, and its ratio to a plain process.</summary>
internal static class SyscallView
{
    public static void Print(IReadOnlyList<SyscallTable> tables)
    {
        foreach (var t in tables)
        {
            var table = new Table().Title($"syscall ({Markup.Escape(t.Workload)}): median ns per operation{(t.Baseline is null ? "" : $" (× {t.Baseline}, native)")}");
            table.AddColumn("operation");
            foreach (var rt in t.Runtimes) table.AddColumn(new TableColumn(Markup.Escape(rt)) { Alignment = Justify.Right });
            foreach (var row in t.Rows)
                table.AddRow([Markup.Escape(row.Op), .. row.Cells.Select(Cell)]);
            table.AddRow(["[grey]n / failed[/]", .. t.Runtimes.Select(rt =>
            {
                int n = t.Rows.SelectMany(r => r.Cells).Where(c => c.Runtime == rt).Select(c => c.Ns?.N ?? 0).DefaultIfEmpty(0).Max();
                int failed = t.Failed.GetValueOrDefault(rt);
                return string.Create(CultureInfo.InvariantCulture, $"[grey]{n}[/] / {(failed == 0 ? "0" : $"[red]{failed}[/]")}");
            })]);
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine("[grey]each trial runs each operation in a loop whose count doubles until it lasts at least min-time, then 3 more loops of that count; ns = the fastest loop's time / its count, on the sandbox's own clock; cells: median over trials (× median / native median)[/]");
            foreach (var e in t.Errors) AnsiConsole.MarkupLineInterpolated($"[red]{e}[/]");
        }
    }

    private static string Cell(SyscallCell c)
    {
        if (c.Ns is null) return c.Refused is null ? "–" : $"[yellow]refused {Markup.Escape(c.Refused)}[/]";
        string ns = Ns(c.Ns.P50);
        return c.Ratio is { } r ? string.Create(CultureInfo.InvariantCulture, $"{ns} (×{r:0.0#})") : ns;
    }

    /// <summary>ns with a precision that fits its size: 25.3, 954, 21.5 µs is printed as 21 545.</summary>
    public static string Ns(double ns) => ns.ToString(ns >= 100 ? "#,0" : "0.0", CultureInfo.InvariantCulture);
}
