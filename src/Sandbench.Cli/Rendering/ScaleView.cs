using System.Globalization;
using Sandbench.Core.Stats;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>The tables of many sandboxes at once: the scale ladder, the memory footprint per sandbox, density.</summary>
internal static class ScaleView
{
    private static string Ms(double v) => v.ToString(v >= 100 ? "0" : v >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);

    private static string MiB(double? v) => v is { } x ? x.ToString(Math.Abs(x) >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture) : "–";

    private static string Percent(double? v) => v is { } x ? string.Create(CultureInfo.InvariantCulture, $"{x * 100:0}%") : "–";

    public static void PrintScale(IReadOnlyList<ScaleStep> steps)
    {
        var table = new Table().Title("scale: N sandboxes started at once (ms from the step's start)");
        foreach (var c in new[] { "runtime", "N", "answered", "all ready", "first byte p50", "p99", "max", "own start p50", "readiness", "host CPU", "load", "broke: why" })
            table.AddColumn(new TableColumn(c) { Alignment = c is "runtime" or "broke: why" or "readiness" ? Justify.Left : Justify.Right });
        foreach (var s in steps)
        {
            string answered = $"{s.Answered}/{s.Target}";
            table.AddRow(
                Markup.Escape(s.Runtime), s.N.ToString(CultureInfo.InvariantCulture),
                s.Answered == s.Target ? answered : $"[red]{answered}[/]",
                s.AllReadyMs is { } all ? Ms(all.P50) : s.LastReadyMs is { } last ? $"[grey](last {Ms(last.Max)})[/]" : "–",
                s.FirstByteMs is { } fb ? Ms(fb.P50) : "–", s.FirstByteMs is { } fb99 ? Ms(fb99.P99) : "–", s.FirstByteMs is { } fbm ? Ms(fbm.Max) : "–",
                s.ColdStartMs is { } cs ? Ms(cs.P50) : "–",
                Markup.Escape(s.ResolutionMs > 0 ? $"{s.Readiness} (≤{Ms(s.ResolutionMs)})" : s.Readiness),
                Percent(s.CpuBusy), s.Load1Max is { } l ? l.ToString("0.0", CultureInfo.InvariantCulture) : "–",
                s.BreakReason is { } why ? $"[red]{Markup.Escape(why)}[/]" : s.Interrupted ? "[yellow]interrupted[/]" : "");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]all ready: step start → the last first byte, when all N answered (else the last answer, grey); first byte: step start → each sandbox's first byte; own start: its spawn → its first byte; readiness: how the first request found each sandbox, with connect-retry's largest gap between two looks at one sandbox (ms); host CPU: mean busy of all cores during the step, load: highest 1-min load[/]");
    }

    public static void PrintFootprint(IReadOnlyList<Footprint> rows)
    {
        var table = new Table().Title("footprint per sandbox (MiB): RSS and PSS summed over its processes, host MemAvailable drop");
        foreach (var c in new[] { "runtime", "from", "sandboxes", "processes", "RSS p50", "RSS max", "PSS p50", "PSS max", "MemAvailable drop", "artifact" })
            table.AddColumn(new TableColumn(c) { Alignment = c is "runtime" or "from" ? Justify.Left : Justify.Right });
        foreach (var r in rows)
        {
            table.AddRow(
                Markup.Escape(r.Runtime), Markup.Escape(r.Source), r.Sandboxes.ToString(CultureInfo.InvariantCulture),
                r.ProcessesPerSandbox is { } p ? p.ToString("0", CultureInfo.InvariantCulture) : "–",
                MiB(r.RssMiB?.P50), MiB(r.RssMiB?.Max), MiB(r.PssMiB?.P50), MiB(r.PssMiB?.Max),
                MiB(r.DropPerSandboxMiB) + (r.CachesDropped ? "" : " [grey](caches kept)[/]"), MiB(r.ArtifactMiB));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]read once all answered; MemAvailable drop: (before − after) / sandboxes alive, both readings after sync and drop_caches; it includes what the runtime holds outside the sandbox's processes (kernel memory, page tables), and other processes of the host move it too[/]");
    }

    public static void PrintDensity(IReadOnlyList<DensityResult> rows)
    {
        var table = new Table().Title("density: sandboxes alive and answering at once");
        foreach (var c in new[] { "runtime", "max", "started", "stopped by", "MemAvailable drop MiB", "PSS p50 MiB", "first byte p50 ms", "host CPU" })
            table.AddColumn(new TableColumn(c) { Alignment = c is "runtime" or "stopped by" ? Justify.Left : Justify.Right });
        foreach (var r in rows)
        {
            table.AddRow(
                Markup.Escape(r.Runtime), r.Max.ToString(CultureInfo.InvariantCulture), r.Started.ToString(CultureInfo.InvariantCulture),
                Markup.Escape($"{r.Stop}: {r.StopReason}"), MiB(r.DropPerSandboxMiB), MiB(r.PssMiB?.P50),
                r.FirstByteMs is { } fb ? Ms(fb.P50) : "–", Percent(r.CpuBusy));
        }
        AnsiConsole.Write(table);
    }
}
