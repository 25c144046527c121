using System.Diagnostics;
using Sandbench.Load;

namespace Sandbench.Load.Tests;

/// <summary>The closed loop (its connections polled by worker threads of its own) against servers that misbehave.</summary>
public sealed class ClosedLoopTests(HelloServer hello) : IClassFixture<HelloServer>
{
    private static Task<LoadResult> Run(Uri target, TimeSpan duration, int connections = 2, string method = "GET", byte[]? body = null) =>
        new LoadGenerator(new LoadOptions { Target = target, Duration = duration, Connections = connections, Method = method, Body = body ?? [] })
            .RunAsync(TestContext.Current.CancellationToken);

    [Fact]
    public async Task ResettingServer_EveryRequestAnErrorOfKindClosed_EndsOnTime()
    {
        await using var server = BadServer.Resetting();
        var sw = Stopwatch.StartNew();

        var r = await Run(server.Url, TimeSpan.FromMilliseconds(500));

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed}");
        Assert.Equal(0, r.Completed);
        Assert.Equal(r.Sent, r.ErrorsByKind.GetValueOrDefault("closed") + r.ErrorsByKind.GetValueOrDefault("socket"));
        Assert.True(r.ErrorsByKind.GetValueOrDefault("closed") > 50, string.Join(", ", r.ErrorsByKind));
    }

    [Fact]
    public async Task NotHttp_MalformedCounted()
    {
        await using var server = BadServer.Garbage();

        var r = await Run(server.Url, TimeSpan.FromMilliseconds(500));

        Assert.Equal(0, r.Completed);
        Assert.True(r.ErrorsByKind["malformed"] > 20, string.Join(", ", r.ErrorsByKind));
        Assert.Equal(r.Sent, r.Errors);
    }

    [Fact]
    public async Task NothingListening_ConnectErrorsCounted_EndsOnTime()
    {
        var sw = Stopwatch.StartNew();

        var r = await Run(new Uri($"http://127.0.0.1:{HelloServer.FreePort()}/"), TimeSpan.FromMilliseconds(300));

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed}");
        Assert.Equal(0, r.Sent);
        Assert.True(r.ErrorsByKind["connect"] > 10, string.Join(", ", r.ErrorsByKind));
        Assert.Equal(r.Errors, r.Seconds.Sum(s => s.Errors));
    }

    [Fact]
    public async Task ServerClosesAfterEachResponse_NewConnectionPerRequest_NoErrors()
    {
        await using var server = BadServer.Answering("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");

        var r = await Run(server.Url, TimeSpan.FromMilliseconds(500));

        Assert.Equal(0, r.Errors);
        Assert.True(r.Completed > 50, $"only {r.Completed}");
        Assert.Equal(r.Sent, r.Completed);
        Assert.Equal(r.Completed, r.StatusCodes["200"]);
    }

    [Fact]
    public async Task RequestLargerThanTheSocketBuffers_SentInPiecesAndAnswered()
    {
        // 16 MiB of body: more than the kernel takes in one send on loopback, so the worker waits to write the rest.
        var body = new byte[16 << 20];
        var options = new LoadOptions { Target = new Uri("http://127.0.0.1/"), Method = "POST", Body = body };
        int requestBytes = options.RequestBytes().Length;
        await using var server = BadServer.Reading(requestBytes);

        var r = await Run(server.Url, TimeSpan.FromMilliseconds(500), connections: 1, method: "POST", body: body);

        Assert.Equal(0, r.Errors);
        Assert.True(r.Completed >= 2, $"only {r.Completed}");
        Assert.Equal(r.Sent, r.Completed);
    }

    [Fact]
    public async Task Cancelled_StopsAtOnce_KeepsWhatWasMeasured_CountsNoErrors()
    {
        using var cts = new CancellationTokenSource();
        var sw = Stopwatch.StartNew();
        var gen = new LoadGenerator(new LoadOptions { Target = hello.Url, Duration = TimeSpan.FromSeconds(30), Connections = 4 })
        {
            Progress = _ => cts.Cancel(), // at the first progress line, about 1 s in
        };

        var r = await gen.RunAsync(cts.Token);

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        Assert.True(r.Interrupted);
        Assert.True(r.Completed > 100, $"only {r.Completed}");
        Assert.Equal(0, r.Errors);
        Assert.InRange(r.Sent - r.Completed, 0, 4); // at most one request per connection was cut short
    }
}

public sealed class LoadResultJsonTests(HelloServer hello) : IClassFixture<HelloServer>
{
    private static readonly System.Text.Json.JsonSerializerOptions Printed = new()
    {
        WriteIndented = true, PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
    };

    [Fact]
    public async Task FromJson_WhatLoadJsonPrints_SameFiguresAndHistograms()
    {
        var r = await new LoadGenerator(new LoadOptions { Target = hello.Url, Duration = TimeSpan.FromMilliseconds(300), Connections = 2 })
            .RunAsync(TestContext.Current.CancellationToken);
        // As 'sandbench load --json' prints it: camel case, indented.
        string json = System.Text.Json.JsonSerializer.Serialize(r, Printed);

        var back = LoadResult.FromJson(json);

        Assert.Equal(r.Completed, back.Completed);
        Assert.Equal(r.Sent, back.Sent);
        Assert.Equal(r.AchievedRate, back.AchievedRate);
        Assert.Equal(r.StatusCodes, back.StatusCodes);
        Assert.Equal(r.Seconds, back.Seconds);
        Assert.Equal(r.Corrected, back.Corrected);
        Assert.NotNull(back.Histograms);
        Assert.Equal(r.Histograms!.Corrected.TotalCount, back.Histograms.Corrected.TotalCount);
        Assert.Equal(r.Histograms.Ttfb.GetValueAtPercentile(99), back.Histograms.Ttfb.GetValueAtPercentile(99));
        Assert.Equal(r.Histograms.Uncorrected.GetValueAtPercentile(100), back.Histograms.Uncorrected.GetValueAtPercentile(100));
    }

    [Fact]
    public void FromJson_DamagedHistogram_SaysWhich()
    {
        const string json = """{"mode":"closed","target":"http://x/","connections":1,"durationSeconds":1,"elapsedSeconds":1,"timeoutSeconds":30,"interrupted":false,"sent":0,"completed":0,"errors":0,"late":0,"dropped":0,"achievedRate":0,"bytesRead":0,"statusCodes":{},"errorsByKind":{},"seconds":[],"encodedHistograms":{"corrected":"AAAA","uncorrected":"AAAA","ttfb":"AAAA"}}""";

        var e = Assert.Throws<System.Text.Json.JsonException>(() => LoadResult.FromJson(json));
        Assert.Contains("histogram 'corrected'", e.Message);
    }
}
