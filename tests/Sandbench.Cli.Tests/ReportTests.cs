using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Sandbench.Report.Tests;
using Sandbench.Store;
using SkiaSharp;

namespace Sandbench.Cli.Tests;

/// <summary><c>sandbench report</c> as a user runs it: files written, lines printed, the page opened in a real browser, bad input.</summary>
public sealed class ReportTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static readonly string[] Drawn =
        ["coldstart-mean", "coldstart-p99", "startup-breakdown", "startup-pie", "vm-timeline", "memory-per-sandbox", "memory-over-time", "host-cpu", "host-memory"];

    private string Out => Path.Combine(_h.Dir, "report");

    private void Seed(Action<SqliteResultStore> seed)
    {
        using var store = SqliteResultStore.Open(_h.Db);
        seed(store);
    }

    [Fact]
    public async Task Report_SeededRun_WritesEachFigureAndSaysWhyTheOthersAreMissing()
    {
        Seed(s => ReportSeed.FullRun(s, "aaaa1111"));

        var (code, stdout, stderr) = await _h.RunAsync("report", "aaaa", "--out", Out, "--db", _h.Db);

        Assert.Equal((0, ""), (code, stderr));
        Assert.Contains($"wrote {Out}/coldstart-mean.png and .svg: Cold start per runtime: mean, whiskers min–max", stdout, StringComparison.Ordinal);
        Assert.Contains("skipped sweep-memory: no sweep over memory with two or more numeric values and successful trials in run aaaa1111 (plans/vm-memory.yaml sweeps it)",
            stdout, StringComparison.Ordinal);
        Assert.Contains("skipped warm-percentiles, warm-over-time: no warm trials in run aaaa1111 (plans/warm.yaml or 'sandbench warm' measures it)", stdout, StringComparison.Ordinal);
        Assert.Contains("skipped syscall-overhead: no syscall trials in run aaaa1111 (plans/syscall.yaml or 'sandbench syscall' measures it)", stdout, StringComparison.Ordinal);
        Assert.Contains("skipped imagepull-breakdown: no imagepull trials in run aaaa1111 (plans/imagepull.yaml or 'sandbench imagepull' measures it)", stdout, StringComparison.Ordinal);
        Assert.EndsWith($"report: {Out}/report.html (9 figures, 21 skipped)", stdout.Trim(), StringComparison.Ordinal);
        foreach (var name in Drawn)
        {
            Assert.True(File.Exists(Path.Combine(Out, name + ".png")), name + ".png");
            Assert.True(File.Exists(Path.Combine(Out, name + ".svg")), name + ".svg");
        }
    }

    [Fact]
    public async Task Report_WarmSinkAndGatewayRuns_PrintOnlyTheirOwnLines()
    {
        Seed(s =>
        {
            ReportSeed.WarmRun(s, "dddd4444");
            ReportSeed.EventingRun(s, "ffff6666");
            ReportSeed.GatewayRun(s, "gggg7777");
        });

        var gateway = await _h.RunAsync("report", "gggg", "--out", Out + "-gateway", "--db", _h.Db);
        var warm = await _h.RunAsync("report", "dddd", "--out", Out, "--db", _h.Db);
        var sink = await _h.RunAsync("report", "ffff", "--out", Out + "-sink", "--db", _h.Db);

        // Nothing else reaches the terminal (the drawing library's native code prints warnings of its own for some styles).
        foreach (var (code, stdout, stderr) in new[] { warm, sink, gateway })
        {
            Assert.Equal((0, ""), (code, stderr));
            Assert.All(stdout.TrimEnd('\n').Split('\n'), l => Assert.Matches("^(wrote|skipped|report:) ", l));
        }
        Assert.Contains("wrote " + Path.Combine(Out, "warm-percentiles.png"), warm.Out, StringComparison.Ordinal);
        Assert.Contains("wrote " + Path.Combine(Out + "-sink", "eventing-over-time.png"), sink.Out, StringComparison.Ordinal);
        Assert.Contains("wrote " + Path.Combine(Out + "-gateway", "gateway-timeline.png"), gateway.Out, StringComparison.Ordinal);
        Assert.Contains("gateway: time to first byte at the gateway", File.ReadAllText(Path.Combine(Out + "-gateway", "report.html")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_Html_RendersInHeadlessChromium()
    {
        string? chromium = CliHarness.Installed("chromium") ? "chromium" : null;
        if (chromium is null) Assert.Skip("needs Debian's chromium package (scripts/install-deps installs it)");
        Seed(s =>
        {
            ReportSeed.FullRun(s, "aaaa1111");
            ReportSeed.FullRun(s, "bbbb2222", slower: 1.4);
        });
        var report = await _h.RunAsync("report", "aaaa1111", "bbbb2222", "--out", Out, "--db", _h.Db);
        Assert.Equal(0, report.Code);
        string page = "file://" + Path.Combine(Out, "report.html");
        string shot = Path.Combine(_h.Dir, "shot.png");

        var screenshot = await Chromium(chromium, $"--screenshot={shot}", "--window-size=1280,2000", page);
        var dom = await Chromium(chromium, "--dump-dom", page);

        Assert.True(File.Exists(shot), "no screenshot; chromium said: " + screenshot);
        using (var bitmap = SKBitmap.Decode(shot))
        {
            Assert.Equal((1280, 2000), (bitmap.Width, bitmap.Height));
            var (variance, colored) = Pixels(bitmap);
            Assert.True(variance > 500, $"the page looks blank (luminance variance {variance:0})");
            // Text and tables are grey; only a drawn figure (bars in the category colours) has saturated pixels.
            Assert.True(colored > 5000, $"no figure was drawn in the first screen ({colored} coloured pixels)");
        }
        foreach (var title in new[] { "Cold start per runtime: mean, whiskers min–max", "Cold start per runtime: 99th percentile", "Memory per sandbox: peak RSS and PSS of its processes" })
        {
            Assert.Contains($"<h3>{title}</h3>", dom, StringComparison.Ordinal);
            Assert.Matches($@"<text[^>]*>\s*{Regex.Escape(title)}\s*</text>", dom); // drawn inside the figure's SVG
        }
        Assert.Contains("Comparison: aaaa1111 (A) → bbbb2222 (B)", dom, StringComparison.Ordinal);
        Assert.Equal(9, dom.Split("<svg ").Length - 1); // every figure inline
    }

    [Fact]
    public async Task Report_RealColdStartOnProcess_DrawsItAndSkipsTheRest()
    {
        var run = await _h.RunAsync("coldstart", "--runtimes", "process", "-n", "3", "--warmup", "1", "--db", _h.Db);
        Assert.Equal(0, run.Code);

        var (code, stdout, _) = await _h.RunAsync("report", "--out", Out, "--db", _h.Db);

        Assert.Equal(0, code);
        Assert.Contains("wrote " + Path.Combine(Out, "coldstart-mean.png"), stdout, StringComparison.Ordinal);
        Assert.Contains("wrote " + Path.Combine(Out, "startup-breakdown.png"), stdout, StringComparison.Ordinal);
        Assert.Matches(@"skipped memory-per-sandbox: no boot trials in run [0-9a-f]{8} \(plans/boot.yaml or 'sandbench boot' measures it\)", stdout);
        Assert.Contains("skipped vm-timeline: no VM runtime (qemu, firecracker, cloud-hypervisor) has successful boot or cold-start trials in run", stdout, StringComparison.Ordinal);
        string html = File.ReadAllText(Path.Combine(Out, "report.html"));
        Assert.Contains("<td>process</td><td class=\"num\">3</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_BadInput_OneLineEach()
    {
        Seed(s =>
        {
            ReportSeed.FullRun(s, "aaaa1111");
            ReportSeed.EmptyRun(s, "eeee5555");
        });
        File.WriteAllText(Path.Combine(_h.Dir, "a-file"), "");

        var unknown = await _h.RunAsync("report", "zzzz", "--out", Out, "--db", _h.Db);
        var empty = await _h.RunAsync("report", "eeee", "--out", Out, "--db", _h.Db);
        var underFile = await _h.RunAsync("report", "aaaa", "--out", Path.Combine(_h.Dir, "a-file", "out"), "--db", _h.Db);
        var proc = await _h.RunAsync("report", "aaaa", "--out", "/proc/sandbench-report", "--db", _h.Db);
        var noDb = await _h.RunAsync("report", "--out", Out, "--db", Path.Combine(_h.Dir, "missing.db"));
        var noOut = await _h.RunAsync("report", "aaaa", "--db", _h.Db);

        Assert.Equal((2, $"error: no run 'zzzz' in {_h.Db} (see 'sandbench runs')"), (unknown.Code, unknown.Err.Trim()));
        Assert.Equal((2, "error: run eeee5555 has no trials (interrupted): nothing to report"), (empty.Code, empty.Err.Trim()));
        Assert.Equal(2, underFile.Code);
        Assert.Matches($@"^error: --out {_h.Dir}/a-file/out: cannot write there \([^\n]+\)$", underFile.Err.Trim());
        Assert.Equal(2, proc.Code);
        Assert.Matches(@"^error: --out /proc/sandbench-report: cannot write there \([^\n]+\)$", proc.Err.Trim());
        Assert.Equal((2, $"error: {Path.Combine(_h.Dir, "missing.db")}: no results file here (use --db, or 'sandbench run' first)"), (noDb.Code, noDb.Err.Trim()));
        Assert.Equal(2, noOut.Code);
        Assert.Contains("--out", noOut.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public async Task Report_ResultsFileOfAnOlderSchema_IsUpgradedAndMissingTablesAreNamed()
    {
        // Schema v1 as the first release wrote it: no guest_rss, no host_metrics.
        using (var c = new SqliteConnection($"Data Source={_h.Db};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE runs (id TEXT PRIMARY KEY NOT NULL, plan_name TEXT NOT NULL, plan_hash TEXT NOT NULL, plan_text TEXT NOT NULL,
                    started_utc TEXT NOT NULL, finished_utc TEXT NULL, status TEXT NOT NULL, tool_version TEXT NOT NULL);
                CREATE TABLE environment (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key));
                CREATE TABLE trials (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, experiment TEXT NOT NULL,
                    runtime TEXT NOT NULL, workload TEXT NOT NULL, parameters TEXT NOT NULL, iteration INTEGER NOT NULL, warmup INTEGER NOT NULL CHECK (warmup IN (0, 1)),
                    status TEXT NOT NULL, error TEXT NULL, readiness TEXT NOT NULL, readiness_resolution_ns INTEGER NOT NULL, started_utc TEXT NOT NULL, origin_ns INTEGER NOT NULL);
                CREATE TABLE phases (trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE, name TEXT NOT NULL, t_ns INTEGER NOT NULL, PRIMARY KEY (trial_id, name));
                CREATE TABLE samples (trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE, metric TEXT NOT NULL, value REAL NOT NULL);
                CREATE TABLE histograms (trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE, metric TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (trial_id, metric));
                CREATE TABLE resources (trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE, t_ns INTEGER NOT NULL, pid INTEGER NOT NULL,
                    rss INTEGER NULL, pss INTEGER NULL, cpu_ns INTEGER NULL);
                CREATE INDEX ix_trials_run_id ON trials(run_id);
                CREATE INDEX ix_samples_trial_id ON samples(trial_id);
                CREATE INDEX ix_resources_trial_id ON resources(trial_id);
                PRAGMA user_version = 1;
                INSERT INTO runs VALUES ('0ld5c4e1', 'default', 'h', 'name: default', '2025-06-01T00:00:00.0000000+00:00', '2025-06-01T00:05:00.0000000+00:00', 'completed', '0.0.9');
                INSERT INTO trials VALUES (1, '0ld5c4e1', 'coldstart', 'runc', 'hello', '{}', 0, 0, 'ok', NULL, 'socket', 0, '2025-06-01T00:00:01.0000000+00:00', 0);
                INSERT INTO trials VALUES (2, '0ld5c4e1', 'coldstart', 'runc', 'hello', '{}', 1, 0, 'ok', NULL, 'socket', 0, '2025-06-01T00:00:02.0000000+00:00', 0);
                INSERT INTO phases VALUES (1, 'spawn', 0), (1, 'created', 50000000), (1, 'first-byte', 70000000), (2, 'spawn', 0), (2, 'created', 52000000), (2, 'first-byte', 74000000);
                INSERT INTO samples VALUES (1, 'coldstart_ns', 70000000), (2, 'coldstart_ns', 74000000);
                """;
            cmd.ExecuteNonQuery();
        }

        var (code, stdout, stderr) = await _h.RunAsync("report", "0ld5", "--out", Out, "--db", _h.Db);

        Assert.Equal((0, ""), (code, stderr));
        Assert.Contains("coldstart-mean.png", stdout, StringComparison.Ordinal);
        Assert.Contains("skipped host-cpu, host-memory: run 0ld5c4e1 has no host readings (runs recorded before the results file had a host_metrics table, schema v3, have none)",
            stdout, StringComparison.Ordinal);
        Assert.Equal((long)SqliteResultStore.SchemaVersion, _h.Query("PRAGMA user_version;", r => r.GetInt64(0)).Single());
    }

    /// <summary>Headless Chromium with a private profile and no way to reach any host: the page must render from itself alone.</summary>
    private async Task<string> Chromium(string binary, params string[] args)
    {
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _h.Dir };
        foreach (var a in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", $"--user-data-dir={Path.Combine(_h.Dir, "chromium-profile")}",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--no-default-browser-check", "--disable-default-apps", "--disable-domain-reliability", "--no-pings",
        }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = _h.Dir;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        return await stdout + await stderr;
    }

    /// <summary>The variance of the luminance over all pixels, and how many pixels are clearly coloured (not grey).</summary>
    private static (double Variance, int Colored) Pixels(SKBitmap bitmap)
    {
        double sum = 0, sumSq = 0;
        int colored = 0;
        foreach (var c in bitmap.Pixels)
        {
            double y = 0.2126 * c.Red + 0.7152 * c.Green + 0.0722 * c.Blue;
            sum += y;
            sumSq += y * y;
            if (Math.Max(c.Red, Math.Max(c.Green, c.Blue)) - Math.Min(c.Red, Math.Min(c.Green, c.Blue)) > 60) colored++;
        }
        double n = bitmap.Width * (double)bitmap.Height, mean = sum / n;
        return (sumSq / n - mean * mean, colored);
    }
}
