using System.Globalization;
using System.Text;
using static Sandbench.Report.Html.HtmlReport;

namespace Sandbench.Report.Html;

/// <summary>The scale, density and footprint tables, as <c>show</c> prints them.</summary>
internal static class HtmlScaleTables
{
    private static string Ms(double v) => v.ToString(v >= 100 ? "0" : v >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);

    private static string MiB(double? v) => v is { } x ? x.ToString(Math.Abs(x) >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture) : "–";

    private static string Percent(double? v) => v is { } x ? Inv($"{x * 100:0}%") : "–";

    public static void Write(StringBuilder h, RunData run, string of)
    {
        if (run.Scale.Count > 0)
        {
            HtmlTables.Table(h, "scale: N sandboxes started at once (ms from the step's start)" + of,
                ["runtime", "N", "answered", "all ready", "first byte p50", "p99", "max", "own start p50", "host CPU", "load", "broke: why"],
                run.Scale.Select(s => new[]
                {
                    s.Runtime, Inv($"{s.N}"), Inv($"{s.Answered}/{s.Target}"),
                    s.AllReadyMs is { } all ? Ms(all.P50) : s.LastReadyMs is { } last ? $"(last {Ms(last.Max)})" : "–",
                    s.FirstByteMs is { } fb ? Ms(fb.P50) : "–", s.FirstByteMs is { } fb99 ? Ms(fb99.P99) : "–", s.FirstByteMs is { } fbm ? Ms(fbm.Max) : "–",
                    s.ColdStartMs is { } cs ? Ms(cs.P50) : "–", Percent(s.CpuBusy), s.Load1Max is { } l ? Inv($"{l:0.0}") : "–",
                    s.BreakReason ?? (s.Interrupted ? "interrupted" : ""),
                }), numeric: [1, 2, 3, 4, 5, 6, 7, 8, 9]);
            h.Append("<p class=\"note\">all ready: step start → the last first byte, when all N answered (else the last answer, in brackets); first byte: step start → each sandbox's first byte; own start: its spawn → its first byte; host CPU: mean busy of all cores during the step, load: highest 1-min load</p>\n");
        }
        if (run.Density.Count > 0)
        {
            HtmlTables.Table(h, "density: sandboxes alive and answering at once" + of,
                ["runtime", "max", "started", "stopped by", "MemAvailable drop MiB", "PSS p50 MiB", "first byte p50 ms", "host CPU"],
                run.Density.Select(r => new[]
                {
                    r.Runtime, Inv($"{r.Max}"), Inv($"{r.Started}"), $"{r.Stop}: {r.StopReason}", MiB(r.DropPerSandboxMiB), MiB(r.PssMiB?.P50),
                    r.FirstByteMs is { } fb ? Ms(fb.P50) : "–", Percent(r.CpuBusy),
                }), numeric: [1, 2, 4, 5, 6, 7]);
        }
        if (run.Footprints.Count > 0)
        {
            HtmlTables.Table(h, "footprint per sandbox (MiB): RSS and PSS summed over its processes, host MemAvailable drop" + of,
                ["runtime", "from", "sandboxes", "processes", "RSS p50", "RSS max", "PSS p50", "PSS max", "MemAvailable drop", "artifact"],
                run.Footprints.Select(r => new[]
                {
                    r.Runtime, r.Source, Inv($"{r.Sandboxes}"), r.ProcessesPerSandbox is { } p ? Inv($"{p:0}") : "–",
                    MiB(r.RssMiB?.P50), MiB(r.RssMiB?.Max), MiB(r.PssMiB?.P50), MiB(r.PssMiB?.Max),
                    MiB(r.DropPerSandboxMiB) + (r.CachesDropped ? "" : " (caches kept)"), MiB(r.ArtifactMiB),
                }), numeric: [2, 3, 4, 5, 6, 7, 8, 9]);
            h.Append("<p class=\"note\">read once all answered; MemAvailable drop: (before − after) / sandboxes alive, both readings after sync and drop_caches; it includes what the runtime holds outside the sandbox's processes (kernel memory, page tables), and other processes of the host move it too</p>\n");
        }
    }
}
