using System.Diagnostics;
using System.Text.Json;

namespace Sandbench.Load.Tests;

/// <summary>`sandbench sink` and `sandbench load --cloudevents` as a user runs them: two processes, one host clock.</summary>
public sealed partial class CloudEventsCliTests : IDisposable
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private readonly string _dir = Directory.CreateTempSubdirectory("sandbench-ce-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Db => Path.Combine(_dir, "results.db");

    private static Process Start(params string[] args) => SandbenchProcess.Start(args);

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(limit.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    [Theory]
    [InlineData("binary")]
    [InlineData("structured")]
    public async Task SinkAndLoad_TwoProcesses_EveryEventTimedOnTheSharedClockAndStored(string mode)
    {
        using var sink = Start("sink", "--port", "0", "--count", "300", "--duration", "60s", "--label", $"{mode}-test", "--db", Db, "--json");
        var sinkOut = sink.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(60));
        string listening = (await sink.StandardError.ReadLineAsync(limit.Token))!;
        Assert.StartsWith("listening on 127.0.0.1:", listening, StringComparison.Ordinal);
        string port = listening["listening on 127.0.0.1:".Length..].Split(' ')[0];

        var (code, loadOut, loadErr) = await RunAsync("load", $"http://127.0.0.1:{port}/", "--cloudevents", mode, "--rate", "300", "--duration", "2s",
            "--connections", "4", "--ce-type", "com.example.test", "--ce-source", "urn:test", "--json");
        await sink.WaitForExitAsync(limit.Token);
        // The sink stops after 300 events, while the generator goes on for its 2 s: those get 503 or a closed connection.

        Assert.True(code == 0, loadErr);
        Assert.Equal(0, sink.ExitCode);
        using var load = JsonDocument.Parse(loadOut);
        Assert.Equal(300, load.RootElement.GetProperty("statusCodes").GetProperty("202").GetInt64());
        Assert.Equal(mode, load.RootElement.GetProperty("cloudEvents").GetProperty("mode").GetString());
        using var doc = JsonDocument.Parse(await sinkOut);
        var r = doc.RootElement;
        Assert.Equal(300, r.GetProperty("events").GetInt64());
        Assert.Equal(300, r.GetProperty(mode).GetInt64());
        // Stamped by one process and read by another: the same clock, so never negative and never foreign.
        Assert.Equal(0, r.GetProperty("negativeLatency").GetInt64());
        Assert.Equal(0, r.GetProperty("foreignClock").GetInt64());
        Assert.Equal(0, r.GetProperty("untimed").GetInt64());
        var delivery = r.GetProperty("delivery");
        Assert.Equal(300, delivery.GetProperty("n").GetInt64());
        Assert.True(delivery.GetProperty("max").GetDouble() < r.GetProperty("elapsedSeconds").GetDouble() * 1000);
        Assert.Equal("count", r.GetProperty("endedBy").GetString());

        string runId = r.GetProperty("runId").GetString()!;
        var (showCode, showOut, showErr) = await RunAsync("show", runId, "--db", Db, "--json");
        Assert.True(showCode == 0, showErr);
        using var show = JsonDocument.Parse(showOut);
        var stored = Assert.Single(show.RootElement.GetProperty("eventing").EnumerateArray());
        Assert.Equal($"{mode}-test", stored.GetProperty("label").GetString());
        Assert.Equal(300, stored.GetProperty("events").GetInt64());
        Assert.Equal(delivery.GetProperty("p99").GetDouble(), stored.GetProperty("p99Ms").GetDouble(), 6);
        Assert.Equal("sink", show.RootElement.GetProperty("run").GetProperty("planName").GetString());
    }

    [Fact]
    public async Task Sink_Sigint_StoresWhatItReceivedAsInterruptedAndExits130()
    {
        using var sink = Start("sink", "--port", "0", "--duration", "120s", "--db", Db, "--json");
        var sinkOut = sink.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(60));
        string listening = (await sink.StandardError.ReadLineAsync(limit.Token))!;
        string port = listening["listening on 127.0.0.1:".Length..].Split(' ')[0];
        var (code, _, err) = await RunAsync("load", $"http://127.0.0.1:{port}/", "--cloudevents", "binary", "--rate", "50", "--duration", "1s", "--json");
        Assert.True(code == 0, err);

        Assert.Equal(0, Kill(sink.Id, 2));
        await sink.WaitForExitAsync(limit.Token);

        Assert.Equal(130, sink.ExitCode);
        using var doc = JsonDocument.Parse(await sinkOut);
        Assert.Equal("interrupted", doc.RootElement.GetProperty("endedBy").GetString());
        long events = doc.RootElement.GetProperty("events").GetInt64();
        Assert.True(events > 0);
        var (_, runs, _) = await RunAsync("show", doc.RootElement.GetProperty("runId").GetString()!, "--db", Db, "--json");
        using var show = JsonDocument.Parse(runs);
        Assert.Equal("interrupted", show.RootElement.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal(events, Assert.Single(show.RootElement.GetProperty("eventing").EnumerateArray()).GetProperty("events").GetInt64());
    }

    [Theory]
    [InlineData("error: --cloudevents takes binary or structured (got 'xml')", "load", "http://127.0.0.1:1/", "--closed", "--cloudevents", "xml")]
    [InlineData("error: --ce-type needs --cloudevents binary|structured", "load", "http://127.0.0.1:1/", "--closed", "--ce-type", "t")]
    [InlineData("error: --cloudevents sends POST requests; drop -X GET", "load", "http://127.0.0.1:1/", "--closed", "--cloudevents", "binary", "-X", "GET")]
    [InlineData("error: --body must be JSON with --cloudevents", "load", "http://127.0.0.1:1/", "--closed", "--cloudevents", "binary", "--body", "hi")]
    [InlineData("error: --header 'ce-id' is set by --cloudevents", "load", "http://127.0.0.1:1/", "--closed", "--cloudevents", "structured", "-H", "ce-id: 1")]
    [InlineData("error: --ce-source 'a b' must be a URI reference", "load", "http://127.0.0.1:1/", "--closed", "--cloudevents", "binary", "--ce-source", "a b")]
    [InlineData("--port", "sink", "--duration", "1s")]
    [InlineData("error: --port must be from 1 to 65535, or 0 for any free port (got 70000)", "sink", "--port", "70000", "--duration", "1s")]
    [InlineData("error: give --duration D or --count N (or both)", "sink", "--port", "0")]
    [InlineData("error: --duration must be above 0 (got '-1s')", "sink", "--port", "0", "--duration=-1s")]
    [InlineData("error: --duration takes a duration such as 500ms or 30s (got 'soon')", "sink", "--port", "0", "--duration", "soon")]
    [InlineData("error: --count must be at least 1 (got 0)", "sink", "--port", "0", "--count", "0")]
    public async Task BadFlags_Exit2WithTheReasonAndNothingStarts(string expected, params string[] args)
    {
        var (code, _, err) = await RunAsync(args[0] == "sink" ? [.. args, "--db", Db] : args);

        Assert.Equal(2, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.All(err.Trim().Split('\n').Where(l => !l.StartsWith("(see", StringComparison.Ordinal)), l => Assert.StartsWith("error: ", l, StringComparison.Ordinal));
        Assert.False(File.Exists(Db));
    }
}
