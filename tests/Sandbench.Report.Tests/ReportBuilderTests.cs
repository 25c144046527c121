using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Sandbench.Core;
using Sandbench.Core.Stats;
using Sandbench.Report.Html;

namespace Sandbench.Report.Tests;

/// <summary>The files a report writes, and the HTML page: self-contained, with every table <c>show</c> prints.</summary>
public sealed class ReportBuilderTests : IDisposable
{
    private readonly Results _r = new();

    public void Dispose() => _r.Dispose();

    private ReportOutcome Write(params string[] runs)
    {
        ReportBuilder.PrepareOutput(_r.OutDir);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.Zero));
        return new ReportBuilder(FigureRegistry.All, clock).Write(_r.Load(runs), _r.OutDir, "0.1.0");
    }

    [Fact]
    public void Write_EveryDrawnFigureAsPngAndSvg_SkippedOnesAsNoFile()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");

        var outcome = Write("aaaa1111");

        Assert.Equal(FigureRegistry.All.Count, outcome.Figures.Count + outcome.Skipped.Count);
        Assert.Contains(outcome.Figures, f => f.Name == "coldstart-mean");
        Assert.Contains(outcome.Skipped, s => s.Name == "sweep-memory");
        foreach (var f in outcome.Figures)
        {
            var png = File.ReadAllBytes(f.PngPath);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.True(png.Length > 10_000, $"{f.Name}.png is only {png.Length} bytes");
            Assert.Contains("<text", File.ReadAllText(f.SvgPath), StringComparison.Ordinal);
        }
        Assert.All(outcome.Skipped, s => Assert.False(File.Exists(Path.Combine(_r.OutDir, s.Name + ".png"))));
        Assert.True(File.Exists(Path.Combine(_r.OutDir, "report.html")));
    }

    [Fact]
    public void Html_RequestsNothingFromOutside()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");
        ReportSeed.FullRun(_r.Store, "bbbb2222", slower: 1.3);

        string html = File.ReadAllText(Write("aaaa1111", "bbbb2222").HtmlPath);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@font-face", html, StringComparison.OrdinalIgnoreCase);
        // Every reference stays in the page: anchors and SVG clip paths only.
        Assert.All(Regex.Matches(html, @"(?:href|src)=""([^""]*)""").Select(m => m.Groups[1].Value), v => Assert.StartsWith("#", v, StringComparison.Ordinal));
        Assert.All(Regex.Matches(html, @"url\(([^)]*)\)").Select(m => m.Groups[1].Value), v => Assert.StartsWith("#", v, StringComparison.Ordinal));
        // http(s) appears only as XML namespace names, which are never fetched.
        Assert.All(Regex.Matches(html, @"(\w+(?::\w+)?)=""https?://").Select(m => m.Groups[1].Value), a => Assert.StartsWith("xmlns", a, StringComparison.Ordinal));
    }

    [Fact]
    public void Html_InlineSvgIdsAreUniqueAcrossFigures()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");

        string html = File.ReadAllText(Write("aaaa1111").HtmlPath);

        var ids = Regex.Matches(html, @"\bid=""([^""]+)""").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(Regex.Matches(html, @"url\(#([^)]+)\)").Select(m => m.Groups[1].Value), id => Assert.Contains(id, ids));
        Assert.Equal(Write("aaaa1111").Figures.Count, Regex.Count(html, "<svg "));
    }

    [Fact]
    public void Html_HasEveryStatisticShowPrints()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");

        string html = File.ReadAllText(Write("aaaa1111").HtmlPath);

        var runc = RunAnalysis.ColdStart(_r.Load("aaaa1111").Runs[0].Trials).Single(c => c.Runtime == "runc");
        var s = runc.ColdStartMs!;
        string Cell(string v) => $"<td class=\"num\">{v}</td>";
        Assert.Contains("<caption>cold start: spawn → first response byte (ms)</caption>", html, StringComparison.Ordinal);
        Assert.Contains(string.Concat("<td>runc</td>", Cell("10"), Cell("74.50"), Cell("70.00"), Cell("74.50"), Cell("78.10"), Cell("78.91"), Cell("79.00"),
            Cell(s.StdDev.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture))), html, StringComparison.Ordinal);
        Assert.Contains("runc: runc create exited with code 1: test failure", html, StringComparison.Ordinal);
        Assert.Contains("<caption>cold-start phases: median ms since spawn (+ median ms since the runtime&#39;s previous phase)</caption>", html, StringComparison.Ordinal);
        Assert.Contains("<caption>boot: medians, with the 95% CI of the mean time to run</caption>", html, StringComparison.Ordinal);
        Assert.Contains("<td>qemu</td><td class=\"num\">5</td><td class=\"num\">2310.0</td>", html, StringComparison.Ordinal);
        Assert.Contains("<caption>host during the run (read every second)</caption>", html, StringComparison.Ordinal);
        Assert.Contains("<td>mem_available_bytes</td><td class=\"num\">60</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td>cpu.model</td><td>Test CPU @ 2.0GHz</td>", html, StringComparison.Ordinal);
        Assert.Contains("<h2 id=\"method\">Method notes</h2>", html, StringComparison.Ordinal);
        Assert.Contains("Generated 2026-02-03 04:05:06 UTC", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_WarmRun_HasTheWarmTableAndItsFigures()
    {
        ReportSeed.WarmRun(_r.Store, "dddd4444");

        var outcome = Write("dddd4444");
        string html = File.ReadAllText(outcome.HtmlPath);

        Assert.Equal(["warm-percentiles", "warm-over-time"], outcome.Figures.Select(f => f.Name));
        Assert.Contains("<caption>warm: latency under load (ms; all requests of the trials pooled)</caption>", html, StringComparison.Ordinal);
        Assert.Contains("<td>runc</td><td>1000 req/s</td><td class=\"num\">3</td><td class=\"num\">1000.2</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_SyscallAndImagePullRuns_HaveTheirTablesBesideTheirFigures()
    {
        ReportSeed.SyscallRun(_r.Store, "5c5c0001");
        ReportSeed.ImagePullRun(_r.Store, "1a1a0001");

        var syscall = Write("5c5c0001");
        string syscallHtml = File.ReadAllText(syscall.HtmlPath);
        var imagepull = Write("1a1a0001");
        string imagepullHtml = File.ReadAllText(imagepull.HtmlPath);

        Assert.Equal(["syscall-overhead"], syscall.Figures.Select(f => f.Name));
        // The same medians and ratios the figure draws (HtmlEncode writes × as &#215;).
        Assert.Contains("<td>getpid</td><td class=\"num\">50.0 (&#215;1.0)</td><td class=\"num\">60.0 (&#215;1.2)</td><td class=\"num\">2,500 (&#215;50.0)</td>",
            syscallHtml, StringComparison.Ordinal);
        Assert.Contains("<td>fork_wait</td><td class=\"num\">100,000 (&#215;1.0)</td><td class=\"num\">120,000 (&#215;1.2)</td><td class=\"num\">refused EPERM</td>",
            syscallHtml, StringComparison.Ordinal);
        Assert.Equal(["imagepull-breakdown"], imagepull.Figures.Select(f => f.Name));
        Assert.Contains("<td>process</td><td class=\"num\">4</td><td>gzip</td><td class=\"num\">16777216</td><td>concurrent</td><td>plain</td><td class=\"num\">3</td>",
            imagepullHtml, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_FlowRun_HasTheFlowTablesAndTheNormalizedFigure()
    {
        ReportSeed.FlowRun(_r.Store, "ffff0001");

        var outcome = Write("ffff0001");
        string html = File.ReadAllText(outcome.HtmlPath);

        Assert.Equal(["flow-normalized"], outcome.Figures.Select(f => f.Name));
        Assert.Contains("<caption>flow retail-catalog: latency per function at the gateway (ms)</caption>", html, StringComparison.Ordinal);
        // HtmlEncode writes × as &#215;.
        Assert.Contains("<td>catalog-api</td><td>runc</td><td class=\"num\">400.0</td><td class=\"num\">3.500</td><td class=\"num\">8.850</td>"
            + "<td class=\"num\">6</td><td class=\"num\">&#215;2.33</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td>flow end to end</td><td>runc</td><td class=\"num\">–</td><td class=\"num\">35.00</td>", html, StringComparison.Ordinal);
        Assert.Contains("failed trials: runc 1", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_SinkRun_HasTheEventingTable()
    {
        ReportSeed.EventingRun(_r.Store, "ffff6666");

        var outcome = Write("ffff6666");
        string html = File.ReadAllText(outcome.HtmlPath);

        Assert.Equal(["eventing-percentiles", "eventing-over-time"], outcome.Figures.Select(f => f.Name));
        Assert.Contains("<td>load to sink</td><td class=\"num\">1000</td><td class=\"num\">250.0</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_TwoRuns_ComparesThem()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");
        ReportSeed.FullRun(_r.Store, "bbbb2222", slower: 1.3);

        string html = File.ReadAllText(Write("aaaa1111", "bbbb2222").HtmlPath);

        Assert.Contains("<h2 id=\"comparison\">Comparison: aaaa1111 (A) → bbbb2222 (B)</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<td>coldstart</td><td>runc</td><td>hello</td><td>coldstart (ms)</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"regression\">regression</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void PrepareOutput_UnderAFile_OneLineError()
    {
        string file = Path.Combine(_r.Dir, "a-file");
        File.WriteAllText(file, "");

        var under = Assert.Throws<SandbenchException>(() => ReportBuilder.PrepareOutput(Path.Combine(file, "out")));
        var itself = Assert.Throws<SandbenchException>(() => ReportBuilder.PrepareOutput(file));

        Assert.StartsWith($"--out {file}/out: cannot write there (", under.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', under.Message);
        Assert.Equal($"--out {file}: is a file; give a directory to write the report into", itself.Message);
    }

    [Fact]
    public void InlineSvg_PrefixesIdsAndScalesToThePage()
    {
        const string svg = """
            <?xml version="1.0" encoding="utf-8" ?>
            <svg xmlns="http://www.w3.org/2000/svg" width="800" height="500"><clipPath id="cl_4"><rect/></clipPath><g clip-path="url(#cl_4)"><use xlink:href="#cl_4"/></g></svg>
            """;

        string inline = HtmlReport.InlineSvg(svg, "host-cpu");

        Assert.StartsWith("<svg role=\"img\" aria-label=\"host-cpu\" viewBox=\"0 0 800 500\" xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"500\">", inline, StringComparison.Ordinal);
        Assert.Contains("id=\"host-cpu-cl_4\"", inline, StringComparison.Ordinal);
        Assert.Contains("url(#host-cpu-cl_4)", inline, StringComparison.Ordinal);
        Assert.Contains("xlink:href=\"#host-cpu-cl_4\"", inline, StringComparison.Ordinal);
    }
}
