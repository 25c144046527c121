using System.Text.Json;
using Sandbench.Load;

namespace Sandbench.Cli.Tests;

/// <summary>'sandbench warm' end to end: real sandboxes loaded, everything in the results file, shown again by 'show'.</summary>
public sealed class WarmTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Warm_ProcessAndRuncAtTwoRates_StoresHistogramsSecondsAndShowsTheTable()
    {
        if (!CliHarness.IsRoot || !CliHarness.Installed("runc")) Assert.Skip("needs root and runc");

        var (code, stdout, err) = await _h.RunAsync("warm", "--runtimes", "process,runc", "--rate", "50,200", "--duration", "1s",
            "--warmup-duration", "200ms", "-n", "1", "--connections", "4", "--db", _h.Db);

        Assert.True(code == 0, stdout + err);
        var trials = _h.Query("SELECT id, runtime, json_extract(parameters, '$.rate'), status FROM trials ORDER BY id",
            r => (Id: r.GetInt64(0), Runtime: r.GetString(1), Rate: r.GetString(2), Status: r.GetString(3)));
        Assert.Equal([("process", "50"), ("runc", "50"), ("process", "200"), ("runc", "200")], trials.Select(t => (t.Runtime, t.Rate)));
        Assert.All(trials, t => Assert.Equal("ok", t.Status));
        foreach (var t in trials)
        {
            long completed = (long)_h.Query($"SELECT value FROM samples WHERE trial_id = {t.Id} AND metric = 'completed'", r => r.GetDouble(0)).Single();
            var histograms = _h.Query($"SELECT metric, data FROM histograms WHERE trial_id = {t.Id} ORDER BY metric", r => (r.GetString(0), (byte[])r.GetValue(1)));
            Assert.Equal(["corrected_us", "ttfb_us", "uncorrected_us"], histograms.Select(h => h.Item1));
            Assert.All(histograms, h => Assert.Equal(completed, HistogramCodec.Decode(h.Item2).TotalCount));
            var seconds = _h.Query($"SELECT second, completed FROM load_seconds WHERE trial_id = {t.Id}", r => (r.GetInt32(0), r.GetInt64(1)));
            Assert.Equal((0, completed), Assert.Single(seconds));
            Assert.NotEmpty(_h.Query($"SELECT pid FROM resources WHERE trial_id = {t.Id}", r => r.GetInt32(0)));
        }
        Assert.Contains("warm: latency under load", stdout, StringComparison.Ordinal);

        var show = await _h.RunAsync("show", "--db", _h.Db, "--json");
        Assert.Equal(0, show.Code);
        using var json = JsonDocument.Parse(show.Out);
        var warm = json.RootElement.GetProperty("warm").EnumerateArray().ToList();
        Assert.Equal([("process", 50.0), ("runc", 50.0), ("process", 200.0), ("runc", 200.0)],
            warm.Select(w => (w.GetProperty("runtime").GetString(), w.GetProperty("targetRate").GetDouble())));
        Assert.All(warm, w => Assert.Equal(1, w.GetProperty("n").GetInt32()));
        Assert.All(warm, w => Assert.True(w.GetProperty("corrected").GetProperty("p99").GetDouble() > 0));
        var table = await _h.RunAsync("show", "--db", _h.Db);
        Assert.Contains("200 req/s", table.Out, StringComparison.Ordinal);
        Assert.Contains("unc. p99", table.Out, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_h.StateDir));
    }

    [Theory]
    [InlineData(new[] { "--rate", "0" }, "--rate: '0' must be a number of requests per second above 0")]
    [InlineData(new[] { "--rate", "100,-3" }, "--rate: '-3' must be a number of requests per second above 0")]
    [InlineData(new[] { "--rate", "100", "--duration", "-5s" }, "--duration must not be negative (got '-5s')")]
    [InlineData(new[] { "--rate", "100", "--warmup-duration", "soon" }, "--warmup-duration takes a duration such as 500ms or 30s (got 'soon')")]
    [InlineData(new[] { "--rate", "100", "--closed" }, "--rate (open loop) and --closed (closed loop) exclude each other")]
    [InlineData(new string[0], "give --rate R[,R2...] for an open loop at R requests per second, or --closed [--concurrency N] for a closed loop")]
    [InlineData(new[] { "--rate", "100", "--concurrency", "4" }, "--concurrency is for --closed; an open loop takes --connections")]
    [InlineData(new[] { "--rate", "100", "--connections", "0" }, "--connections must be from 1 to 10000")]
    [InlineData(new[] { "--rate", "100", "--colour", "red" }, "--colour")]
    public async Task Warm_BadFlags_Exits2WithTheReasonAndStartsNothing(string[] flags, string expected)
    {
        var (code, _, err) = await _h.RunAsync(["warm", "--runtimes", "process", .. flags, "--db", _h.Db]);

        Assert.Equal(2, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.False(File.Exists(_h.Db));
    }

    [Fact]
    public async Task Run_WarmPlanWithMistakes_EveryOneWithItsPositionAndNothingStarts()
    {
        string plan = _h.WritePlan("""
            name: w
            runtimes: [process]
            experiments:
              - type: warm
                rates: [100, 0]
                duration: -1s
                bursts: 3
            """);

        var (code, _, err) = await _h.RunAsync("run", plan, "--db", _h.Db);

        Assert.Equal(2, code);
        var lines = err.Trim().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith($"error: {plan}:5:18: experiments[0].rates[1]: must be above 0", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"error: {plan}:6:15: experiments[0].duration: must not be negative", lines[1], StringComparison.Ordinal);
        Assert.StartsWith($"error: {plan}:7:5: experiments[0].bursts: unknown key 'bursts'", lines[2], StringComparison.Ordinal);
        Assert.False(File.Exists(_h.Db));
    }
}
