using System.Diagnostics;
using Sandbench.Load;

namespace Sandbench.Load.Tests;

/// <summary>The generator against real servers on 127.0.0.1; each run lasts what it measures (1-2 s).</summary>
public sealed class GeneratorTests(HelloServer hello) : IClassFixture<HelloServer>
{
    [Fact]
    public async Task RunAsync_OpenLoop1000PerSecondFor2s_About2000RequestsAtTheRate()
    {
        var r = await new LoadGenerator(new LoadOptions { Target = hello.Url, Rate = 1000, Duration = TimeSpan.FromSeconds(2), Connections = 8 })
            .RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal("open", r.Mode);
        Assert.Equal(2000, r.Scheduled);
        Assert.Equal(r.Scheduled, r.Completed + r.Dropped + r.Errors);
        Assert.True(r.Completed is >= 1960 and <= 2000 && r.AchievedRate is >= 980 and <= 1020,
            $"completed {r.Completed}, {r.AchievedRate} req/s, dropped {r.Dropped}, errors {r.Errors}");
        Assert.Equal(0, r.Errors);
        Assert.Equal(r.Completed, r.StatusCodes["200"]);
        Assert.Equal(2, r.Seconds.Count);
        Assert.Equal(r.Completed, r.Seconds.Sum(s => s.Completed));
        Assert.True(r.Corrected!.P50 >= r.Uncorrected!.P50);
        Assert.NotNull(r.Lag);
        Assert.InRange(r.ElapsedSeconds, 1.99, 3.0); // the last request is due at 1.999 s
    }

    [Fact]
    public async Task RunAsync_ClosedLoop_CompletesManyWithoutErrors()
    {
        var r = await new LoadGenerator(new LoadOptions { Target = hello.Url, Duration = TimeSpan.FromSeconds(1), Connections = 4 })
            .RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal("closed", r.Mode);
        Assert.True(r.Completed > 1000, $"only {r.Completed} requests");
        Assert.Equal(0, r.Errors);
        Assert.Equal(r.Sent, r.Completed);
        Assert.Equal(r.Completed, r.Seconds.Sum(s => s.Completed));
        Assert.InRange(r.ElapsedSeconds, 1.0, 2.0);
    }

    [Fact]
    public async Task RunAsync_StallingServer_TimeoutsCountedAndEndsOnTime()
    {
        await using var server = BadServer.Stalling();
        var sw = Stopwatch.StartNew();

        var r = await new LoadGenerator(new LoadOptions
        {
            Target = server.Url, Rate = 50, Duration = TimeSpan.FromSeconds(1), Connections = 4, Timeout = TimeSpan.FromMilliseconds(300),
        }).RunAsync(TestContext.Current.CancellationToken);

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed}");
        Assert.Equal(0, r.Completed);
        Assert.True(r.ErrorsByKind["timeout"] >= 4);
        Assert.Equal(r.Scheduled, r.Errors + r.Dropped); // every due request is accounted for
        Assert.True(r.Dropped > 0, "requests due while all connections stalled must count as dropped");
    }

    [Fact]
    public async Task RunAsync_ServerSlowerThanTheRate_BackloggedRequestsLateThenDroppedAtTheEnd()
    {
        await using var server = BadServer.Slow(TimeSpan.FromMilliseconds(50));

        var r = await new LoadGenerator(new LoadOptions { Target = server.Url, Rate = 100, Duration = TimeSpan.FromSeconds(1), Connections = 1 })
            .RunAsync(TestContext.Current.CancellationToken);

        // One connection serves one request per 50 ms or more: the others wait for it (late), and those
        // still waiting when the run ends are dropped, never sent after it.
        Assert.Equal(100, r.Scheduled);
        Assert.Equal(r.Scheduled, r.Completed + r.Dropped + r.Errors);
        Assert.Equal(0, r.Errors);
        Assert.InRange(r.Completed, 5, 22);
        Assert.Equal(r.Completed - 1, r.Late); // all but the first waited for the connection
        Assert.True(r.Corrected!.Max > r.Uncorrected!.Max + 200, $"corrected max {r.Corrected.Max} ms, uncorrected {r.Uncorrected.Max} ms");
        Assert.InRange(r.ElapsedSeconds, 1.0, 2.0);
    }

    [Fact]
    public async Task RunAsync_ClosedLoopStallingServer_EndsWithinDurationPlusTimeout()
    {
        await using var server = BadServer.Stalling();
        var sw = Stopwatch.StartNew();

        var r = await new LoadGenerator(new LoadOptions
        {
            Target = server.Url, Duration = TimeSpan.FromMilliseconds(500), Connections = 2, Timeout = TimeSpan.FromSeconds(1),
        }).RunAsync(TestContext.Current.CancellationToken);

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed}");
        Assert.Equal(2, r.ErrorsByKind["timeout"]);
    }

    [Fact]
    public async Task RunAsync_ResettingServer_ErrorsCounted()
    {
        await using var server = BadServer.Resetting();

        var r = await new LoadGenerator(new LoadOptions { Target = server.Url, Rate = 100, Duration = TimeSpan.FromSeconds(1), Connections = 2 })
            .RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, r.Completed);
        Assert.Equal(r.Sent, r.Errors);
        Assert.True(r.ErrorsByKind.GetValueOrDefault("closed") > 50, string.Join(", ", r.ErrorsByKind));
    }

    [Fact]
    public async Task RunAsync_NotHttp_MalformedCounted()
    {
        await using var server = BadServer.Garbage();

        var r = await new LoadGenerator(new LoadOptions { Target = server.Url, Rate = 100, Duration = TimeSpan.FromMilliseconds(500), Connections = 2 })
            .RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, r.Completed);
        Assert.True(r.ErrorsByKind["malformed"] > 20);
    }

    [Fact]
    public async Task RunAsync_NothingListening_ConnectErrors()
    {
        var r = await new LoadGenerator(new LoadOptions
        {
            Target = new Uri($"http://127.0.0.1:{HelloServer.FreePort()}/"), Rate = 100, Duration = TimeSpan.FromMilliseconds(300), Connections = 2,
        }).RunAsync(TestContext.Current.CancellationToken);

        Assert.True(r.ErrorsByKind["connect"] > 10);
    }

    [Fact]
    public async Task RunAsync_Cancelled_StopsAtOnceAndKeepsWhatWasMeasured()
    {
        using var cts = new CancellationTokenSource();
        var sw = Stopwatch.StartNew();
        var gen = new LoadGenerator(new LoadOptions { Target = hello.Url, Rate = 200, Duration = TimeSpan.FromSeconds(30), Connections = 2 })
        {
            Progress = _ => cts.Cancel(), // cancel at the first progress line, about 1 s in
        };

        var r = await gen.RunAsync(cts.Token);

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        Assert.True(r.Interrupted);
        Assert.InRange(r.Completed, 100, 400);
    }
}
