using System.Globalization;
using Sandbench.Core.Experiments;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>
/// Image pull breakdown (seed 000): one horizontal bar per image configuration as stored (pull path, security level,
/// and layers or padding where they differ), stacked by the pull's steps, each segment the step's median ms over the
/// successful measured trials, as <see cref="ImagePullAnalysis"/> computes it for <c>show</c>.
/// </summary>
internal sealed class ImagePullBreakdownFigure : IFigure
{
    public const string Hint = "plans/imagepull.yaml or 'sandbench imagepull' measures it";

    private const string Experiment = "imagepull";

    /// <summary>The steps a pull stores, in the order they happen, each with what it is (for the caption).</summary>
    public static IReadOnlyList<(string Name, string What, Func<ImagePullResult, Summary?> Of)> Steps { get; } =
    [
        ("manifest", "the manifest's GET", r => r.Manifest),
        ("signature", "the manifest's simple-signing signature read and verified (OpenPGP), before any layer", r => r.Signature),
        ("fetch", "the blobs' bytes over HTTP to files (containerd: ctr content fetch, its verify and the start of ctr included)", r => r.Fetch),
        ("verify", "sha256 of each blob against the manifest's digest", r => r.Verify),
        ("decrypt", "the layers' decryption: JWE key unwrap (RSA-OAEP), HMAC-SHA256 and AES-256-CTR", r => r.Decrypt),
        ("decompress", "gzip or zstd streamed to a tar file", r => r.Decompress),
        ("unpack", "tar to a directory (containerd: ctr images pull of the local content into a snapshot)", r => r.Unpack),
    ];

    public string Name => "imagepull-breakdown";

    public string Title => "Image pull breakdown: median ms in each step, per pull path and security level";

    public FigureResult Build(ReportData data)
    {
        var results = data.Runs.SelectMany(r => r.ImagePull.Select(p => (Run: r, Pull: p))).ToList();
        var rows = results.Where(x => x.Pull.Pull is not null && Steps.Any(s => s.Of(x.Pull) is not null)).ToList();
        if (rows.Count == 0)
        {
            bool anyOk = data.Runs.Any(r => r.TrialsOf(Experiment).Any(t => !t.Warmup && t.Status == TrialStatus.Ok));
            return FigureResult.Skip(anyOk
                ? $"the imagepull trials of {Skips.Runs(data)} stored no pull and step times ({ImagePullExperiment.PullMetric}, fetch_ns ... samples)"
                : Skips.NoTrials(data, Experiment, Hint));
        }

        var labels = rows.Select(x => Label(data, results, x)).ToList();
        var present = Enumerable.Range(0, Steps.Count).Where(k => rows.Any(x => Steps[k].Of(x.Pull) is not null)).ToList();
        var plot = Chart.New(Title, "ms: median of each step over the trials, stacked", "");
        var bars = new List<Bar>();
        double longest = rows.Max(x => Math.Max(Total(x.Pull), x.Pull.Pull!.P50));
        for (int i = 0; i < rows.Count; i++)
        {
            var pull = rows[i].Pull;
            double y = rows.Count - 1 - i, left = 0;
            foreach (int k in present)
            {
                if (Steps[k].Of(pull) is not { } step) continue;
                bars.Add(new Bar { Position = y, ValueBase = left, Value = left + step.P50, FillColor = Chart.Color(k), LineWidth = 0, Size = 0.7 });
                left += step.P50;
            }
            // The median pull, wall time: a black tick across the bar.
            var tick = plot.Add.Line(pull.Pull!.P50, y - 0.42, pull.Pull.P50, y + 0.42);
            tick.Color = Colors.Black;
            tick.LineWidth = 2;
            tick.MarkerSize = 0;
            var total = plot.Add.Text(Chart.Inv($"{Chart.Number(left)} ms (pull {Chart.Number(pull.Pull.P50)})"), Math.Max(left, pull.Pull.P50) + longest * 0.01, y);
            total.LabelFontSize = 11;
            total.LabelAlignment = Alignment.MiddleLeft;
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        foreach (int k in present) plot.Legend.ManualItems.Add(new LegendItem { LabelText = Steps[k].Name, FillColor = Chart.Color(k) });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "median pull", LineColor = Colors.Black, LineWidth = 2 });
        plot.ShowLegend(Edge.Right);
        Chart.CategoriesLeft(plot, labels);
        plot.Axes.Margins(left: 0, right: 0.25, bottom: 0.5 / rows.Count, top: 0.5 / rows.Count);

        int nMin = rows.Min(x => x.Pull.Pull!.N), nMax = rows.Max(x => x.Pull.Pull!.N);
        string n = nMin == nMax ? Chart.Inv($"n = {nMin}") : Chart.Inv($"n = {nMin}–{nMax}");
        var noBar = results.Except(rows).Select(x => Chart.Inv($"{Label(data, results, x)} ({(x.Pull.Pull is null ? $"none of its {x.Pull.Failed} measured trials succeeded" : "no step times")})")).ToList();
        var failed = rows.Where(x => x.Pull.Failed > 0).Select(x => Chart.Inv($"{Label(data, results, x)}: {x.Pull.Failed}")).ToList();
        return FigureResult.Drawn(plot,
            "One bar per image configuration (pull path: serial = Sandbench's client, one layer after the other; concurrent = every layer fetched, verified and decompressed at once, then unpacked in order; "
            + "containerd = a private containerd; and security level). Segments: each step's median ms over the successful measured trials "
            + $"(warm-ups and failed trials left out; {n} trials per bar), the step's time summed over the image's layers: "
            + string.Join("; ", present.Select(k => $"{Steps[k].Name}, {Steps[k].What}")) + ". "
            + "The number at a bar's end is the sum of its segments; the black tick and 'pull' are the median pull, manifest GET to the last layer unpacked. "
            + "A sum of medians is not the median of the sums, and concurrent pulls overlap the layers' steps, so the sum can exceed the pull; containerd shows only fetch and unpack. "
            + (failed.Count > 0 ? "Failed measured trials: " + string.Join("; ", failed) + ". " : "")
            + (noBar.Count > 0 ? "No bar: " + string.Join("; ", noBar) + "." : ""),
            width: 1200, height: 200 + rows.Count * 44);
    }

    private static double Total(ImagePullResult pull) => Steps.Sum(s => s.Of(pull)?.P50 ?? 0);

    /// <summary>A bar's name: pull path and security level, and whatever else differs between the bars (layers, padding, runtime, run).</summary>
    private static string Label(ReportData data, IReadOnlyList<(RunData Run, ImagePullResult Pull)> all, (RunData Run, ImagePullResult Pull) x)
    {
        var p = x.Pull;
        var parts = new List<string> { p.Mode, p.Security };
        if (all.Select(a => a.Pull.Compression).Distinct().Count() > 1) parts.Add(p.Compression);
        if (all.Select(a => a.Pull.Layers).Distinct().Count() > 1) parts.Add(p.Layers + (p.Layers == "1" ? " layer" : " layers"));
        if (all.Select(a => a.Pull.Padding).Distinct().Count() > 1) parts.Add(MiB(p.Padding));
        string name = string.Join(" · ", parts);
        if (all.Select(a => a.Pull.Runtime).Distinct().Count() > 1) name = $"{p.Runtime}: {name}";
        return data.MultiRun ? $"{name} · {x.Run.Info.Id}" : name;
    }

    private static string MiB(string bytes) =>
        long.TryParse(bytes, NumberStyles.None, CultureInfo.InvariantCulture, out long b) ? (b / 1048576.0).ToString("0.##", CultureInfo.InvariantCulture) + " MiB padding" : bytes;
}
