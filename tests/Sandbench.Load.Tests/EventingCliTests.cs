using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Load.Tests;

/// <summary>`sandbench eventing` as a pod runs it: one process, a broker on 127.0.0.1, the result document on stdout.</summary>
public sealed class EventingCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sandbench-eventing-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Db => Path.Combine(_dir, "results.db");

    private static Process Start(params string[] args) => SandbenchProcess.Start(args);

    private static async Task<(int Code, string Out)> RunAsync(params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(limit.Token);
        Assert.True(p.ExitCode == 0, await stderr);
        return (p.ExitCode, await stdout);
    }

    [Fact]
    public async Task Eventing_ThroughABroker_PrintsOnlyTheDocumentAndStoresTheRound()
    {
        await using var broker = new FakeBroker { ForwardDelay = TimeSpan.FromMilliseconds(5) };
        using var round = Start("eventing", broker.Url.ToString(), "--listen", "127.0.0.1:0", "--cloudevents", "structured", "--ce-source", "/sandbench/cli-test",
            "--rate", "50", "--connections", "2", "--duration", "1s", "--warmup-duration", "300ms", "--drain", "10s", "--start-timeout", "30s", "--timeout", "5s",
            "--label", "cli-test", "--db", Db, "--json");
        var stdout = round.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(60));
        // The broker delivers once the sink's address is known, as a Trigger does once its subscriber is ready.
        string listening = (await round.StandardError.ReadLineAsync(limit.Token))!;
        Assert.StartsWith("listening on 127.0.0.1:", listening, StringComparison.Ordinal);
        broker.Subscribe(IPEndPoint.Parse(listening["listening on ".Length..].Split(' ')[0]));
        string stderr = await round.StandardError.ReadToEndAsync(limit.Token);
        await round.WaitForExitAsync(limit.Token);

        Assert.True(round.ExitCode == 0, stderr);
        Assert.Contains("route open: ", stderr, StringComparison.Ordinal);
        string[] lines = (await stdout).Split('\n');
        int start = Array.LastIndexOf(lines, "{");
        Assert.Equal(0, start); // nothing but the document on stdout
        var r = EventingRoundResult.FromJson(string.Join('\n', lines[start..]));
        Assert.Equal("all-received", r.EndedBy);
        Assert.True(r.Accepted > 0 && r.Received == r.Accepted && r.Lost == 0, $"accepted {r.Accepted}, received {r.Received}");
        Assert.Equal(r.Received, HistogramCodec.Decode(r.Sink.DeliveryHistogram!).TotalCount);
        Assert.Equal("structured", r.Load!.CloudEvents!.Mode);
        Assert.Equal("/sandbench/cli-test", r.Source);
        using var printed = JsonDocument.Parse(await stdout);
        string runId = printed.RootElement.GetProperty("runId").GetString()!;

        var (_, showOut) = await RunAsync("show", runId, "--db", Db, "--json");
        using var show = JsonDocument.Parse(showOut);
        Assert.Equal("eventing", show.RootElement.GetProperty("run").GetProperty("planName").GetString());
        var stored = Assert.Single(show.RootElement.GetProperty("eventing").EnumerateArray());
        Assert.Equal(("cli-test", r.Received, "all-received"),
            (stored.GetProperty("label").GetString(), stored.GetProperty("events").GetInt64(), stored.GetProperty("endedBy").GetString()));
        var (_, exportOut) = await RunAsync("export", runId, "--format", "json", "--db", Db);
        using var export = JsonDocument.Parse(exportOut);
        var samples = export.RootElement.GetProperty("tables").GetProperty("samples").EnumerateArray()
            .ToDictionary(s => s.GetProperty("metric").GetString()!, s => s.GetProperty("value").GetDouble());
        Assert.Equal((r.Sent, r.Accepted, 0, r.Probe.Attempts, r.Probe.RouteNs), ((long)samples["sent"], (long)samples["accepted"], (long)samples["lost"],
            (int)samples["probe_attempts"], (long?)samples["route_ns"]));
        Assert.Equal(r.Received, (long)samples["events"]);
    }
}
