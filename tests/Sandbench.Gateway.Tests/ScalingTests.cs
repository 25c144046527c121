using System.Net;
using Sandbench.Core.Gateway;
using Sandbench.Core.Timing;

namespace Sandbench.Gateway.Tests;

[Trait("Category", "Integration")]
public sealed class ScalingTests : IAsyncLifetime
{
    private readonly GatewayFixture _f = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _f.DisposeAsync();

    [Theory]
    [InlineData("process", "socket")]
    [InlineData("runc", "socket")]
    [InlineData("runsc", "connect-retry")]
    public async Task FirstRequest_ServiceAtZero_StartsASandboxAndAnswersCold(string name, string readiness)
    {
        var runtime = await _f.UsableAsync(name);
        var gw = await _f.StartAsync(runtime, new ScalingOptions());
        Assert.Equal(0, gw.LiveSandboxes);
        using var client = GatewayFixture.Client();

        using var first = await client.GetAsync(gw.Url, TestContext.Current.CancellationToken);
        using var second = await client.GetAsync(gw.Url, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("hello\n", await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(1, gw.LiveSandboxes);
        // A request is recorded once its response has ended, which the client may see first.
        await _f.Events.WaitAsync(e => e.Done.Count == 2, "both requests recorded");
        var requests = gw.Requests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[0].Cold, "the first request waited for a start");
        Assert.False(requests[1].Cold, "the second found the sandbox ready");
        Assert.Equal(requests[0].Sandbox, requests[1].Sandbox);
        Assert.StartsWith(_f.Prefix, requests[0].Sandbox);
        Assert.True(requests[0].WaitNs > requests[1].WaitNs, $"cold wait {requests[0].WaitNs} ns, warm {requests[1].WaitNs} ns");
        Assert.All(requests, r => Assert.Equal(200, r.Status));
        Assert.All(requests, r => Assert.NotNull(r.UpstreamNs));

        await gw.DisposeAsync();
        var sandbox = Assert.Single(gw.Sandboxes);
        Assert.Equal(readiness, sandbox.Readiness);
        Assert.Equal("shutdown", sandbox.StopReason);
        Assert.Null(sandbox.Error);
        Assert.Equal(2, sandbox.Requests);
        var phases = sandbox.Phases.ToDictionary(p => p.Key, p => p.Value);
        Assert.True(phases[Phases.Spawn] >= sandbox.StartNs);
        Assert.True(sandbox.ReadyNs >= phases[Phases.Spawn]);
        Assert.Empty(_f.OurProcesses());
    }

    [Theory]
    [InlineData("process")]
    [InlineData("runc")]
    public async Task ParallelRequests_ConcurrencyOne_OneSandboxEachUpToMaxScaleThenQueue(string name)
    {
        var runtime = await _f.UsableAsync(name);
        // 'hang' never accepts: every request stays in flight, so the count of sandboxes depends on nothing but the rules.
        var scaling = new ScalingOptions { ContainerConcurrency = 1, MaxScale = 3, QueueTimeout = TimeSpan.FromSeconds(10) };
        var gw = await _f.StartAsync(runtime, scaling, workload: "hang");
        using var client = GatewayFixture.Client();
        var ct = TestContext.Current.CancellationToken;

        var requests = Enumerable.Range(0, 4).Select(_ => client.GetAsync(gw.Url, ct)).ToList();
        await _f.Events.WaitAsync(e => e.Starting.Count == 3 && e.MostWaiting == 1, "three starts and one request queued");
        _f.Time.Advance(TimeSpan.FromSeconds(10));
        var refused = await Task.WhenAny(requests);

        using (var r = await refused)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
            string reason = await r.Content.ReadAsStringAsync(ct);
            Assert.Contains("no sandbox free within 10s (3 of at most 3 busy or starting)", reason);
            Assert.Equal(reason.Trim(), string.Join("", r.Headers.GetValues("X-Sandbench-Gateway-Error")));
        }
        Assert.Equal(3, gw.LiveSandboxes);
        Assert.Equal(3, gw.PeakSandboxes["hello"]);
        Assert.Equal(3, _f.Events.Starting.Distinct().Count());

        await gw.DisposeAsync();
        foreach (var t in requests.Where(t => t != refused))
        {
            using var r = await t;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
        }
        Assert.Equal(3, gw.Sandboxes.Count);
        Assert.All(gw.Sandboxes, s => Assert.Equal("shutdown", s.StopReason));
        var records = gw.Requests;
        Assert.Equal(4, records.Count);
        Assert.Single(records, r => r.Sandbox is null && r.Error!.Contains("no sandbox free", StringComparison.Ordinal));
        Assert.Equal(3, records.Where(r => r.Sandbox is not null).Select(r => r.Sandbox).Distinct().Count());
        await AssertNothingLeftAsync(runtime);
    }

    [Theory]
    [InlineData("process")]
    [InlineData("runc")]
    public async Task ConcurrencyOne_RealFunction_NoSandboxServesTwoAtOnce(string name)
    {
        var runtime = await _f.UsableAsync(name);
        var gw = await _f.StartAsync(runtime, new ScalingOptions { ContainerConcurrency = 1, MaxScale = 4 });
        using var client = GatewayFixture.Client();
        var ct = TestContext.Current.CancellationToken;

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => client.GetAsync(gw.Url, ct)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var r in responses) r.Dispose();
        await _f.Events.WaitAsync(e => e.Done.Count == 12, "twelve requests recorded");
        var records = gw.Requests;
        Assert.InRange(records.Select(r => r.Sandbox).Distinct().Count(), 1, 4);
        Assert.InRange(gw.PeakSandboxes["hello"], 1, 4);
        foreach (var bySandbox in records.GroupBy(r => r.Sandbox))
        {
            var spans = bySandbox.Select(r => (From: r.ForwardedNs!.Value, To: r.ArrivalNs + r.TotalNs)).OrderBy(s => s.From).ToList();
            for (int i = 1; i < spans.Count; i++)
                Assert.True(spans[i].From >= spans[i - 1].To - 1_000_000, $"{bySandbox.Key} took a request before the previous one ended");
        }
        Assert.Equal(gw.LiveSandboxes, records.Where(r => r.Cold).Select(r => r.Sandbox).Distinct().Count());
        await gw.DisposeAsync();
        await AssertNothingLeftAsync(runtime);
    }

    [Theory]
    [InlineData("process")]
    [InlineData("runc")]
    public async Task IdleWindow_Passes_ScalesToZeroThenStartsAgain(string name)
    {
        var runtime = await _f.UsableAsync(name);
        // The start timeout far beyond the idle window: with socket activation the first answer may come before 'runc start'
        // returns, and the clock advanced to the idle window must not also reach the start timeout (30 s by default).
        var gw = await _f.StartAsync(runtime, new ScalingOptions { IdleWindow = TimeSpan.FromSeconds(30), StartTimeout = TimeSpan.FromMinutes(10) });
        using var client = GatewayFixture.Client();
        var ct = TestContext.Current.CancellationToken;

        (await client.GetAsync(gw.Url, ct)).Dispose();
        await _f.Events.WaitAsync(e => e.Done.Count == 1, "the first request recorded");
        _f.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(1, gw.LiveSandboxes);
        Assert.Empty(_f.Events.Stopped);
        _f.Time.Advance(TimeSpan.FromSeconds(1));
        await _f.Events.WaitAsync(e => e.Stopped.Count == 1, "the idle sandbox stopped");

        Assert.Equal(0, gw.LiveSandboxes);
        Assert.Equal("idle", _f.Events.Stopped[0].StopReason);
        Assert.Empty(_f.OurProcesses());
        using var again = await client.GetAsync(gw.Url, ct);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await _f.Events.WaitAsync(e => e.Done.Count == 2, "the second request recorded");
        var records = gw.Requests;
        Assert.True(records[1].Cold);
        Assert.NotEqual(records[0].Sandbox, records[1].Sandbox);
        await gw.DisposeAsync();
        await AssertNothingLeftAsync(runtime);
    }

    [Fact]
    public async Task FailingStart_RuntimeRefuses_Answers502WithTheReasonAndRecordsIt()
    {
        var good = await _f.UsableAsync("runc");
        var runtime = _f.Runtime("runc", new Dictionary<string, string> { ["binary"] = "sandbench-no-such-runtime" });
        var gw = await _f.StartAsync(runtime, new ScalingOptions());
        using var client = GatewayFixture.Client();
        var ct = TestContext.Current.CancellationToken;

        using var r = await client.GetAsync(gw.Url, ct);

        Assert.Equal(HttpStatusCode.BadGateway, r.StatusCode);
        string body = await r.Content.ReadAsStringAsync(ct);
        Assert.Contains("failed to start", body);
        Assert.Contains("sandbench-no-such-runtime not found on PATH", body);
        await _f.Events.WaitAsync(e => e.Done.Count == 1 && e.Stopped.Count == 1, "the failed start recorded");
        var record = Assert.Single(gw.Requests);
        Assert.Equal(502, record.Status);
        Assert.Contains("sandbench-no-such-runtime not found on PATH", record.Error);
        var sandbox = Assert.Single(_f.Events.Stopped);
        Assert.Equal("failed", sandbox.StopReason);
        Assert.Contains("sandbench-no-such-runtime not found on PATH", sandbox.Error);
        Assert.Null(sandbox.ReadyNs);
        Assert.Equal(0, gw.LiveSandboxes);
        await gw.DisposeAsync();
        await AssertNothingLeftAsync(good);
    }

    [Fact]
    public async Task FailingStart_NeverListens_StartTimeoutAnswers502()
    {
        var runtime = await _f.UsableAsync("process");
        var scaling = new ScalingOptions { Readiness = Sandbench.Core.Plans.ReadinessMethod.ConnectRetry, StartTimeout = TimeSpan.FromSeconds(5) };
        var gw = await _f.StartAsync(runtime, scaling, workload: "hang");
        using var client = GatewayFixture.Client();
        var ct = TestContext.Current.CancellationToken;

        var request = client.GetAsync(gw.Url, ct);
        await _f.Events.WaitAsync(e => e.Starting.Count == 1, "the start");
        _f.Time.Advance(TimeSpan.FromSeconds(5));
        using var r = await request;

        Assert.Equal(HttpStatusCode.BadGateway, r.StatusCode);
        Assert.Contains("not ready within 5s", await r.Content.ReadAsStringAsync(ct));
        await _f.Events.WaitAsync(e => e.Stopped.Count == 1, "the failed sandbox torn down");
        Assert.Equal("failed", _f.Events.Stopped[0].StopReason);
        Assert.Empty(_f.OurProcesses());
        await gw.DisposeAsync();
    }

    [Theory]
    [InlineData("process")]
    [InlineData("runc")]
    public async Task Dispose_WhileSandboxesServeAndStart_LeavesNothingBehind(string name)
    {
        var runtime = await _f.UsableAsync(name);
        var gw = await _f.StartAsync(runtime, new ScalingOptions { ContainerConcurrency = 1, MaxScale = 3 }, workload: "hang");
        using var client = GatewayFixture.Client();
        var ct = TestContext.Current.CancellationToken;
        var requests = Enumerable.Range(0, 3).Select(_ => client.GetAsync(gw.Url, ct)).ToList();
        await _f.Events.WaitAsync(e => e.Starting.Count == 3, "three starts");

        await gw.DisposeAsync();

        foreach (var t in requests)
        {
            using var r = await t;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
        }
        Assert.Equal(3, gw.Sandboxes.Count);
        Assert.Equal(0, gw.LiveSandboxes);
        await AssertNothingLeftAsync(runtime);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync(gw.Url, ct));
    }

    private async Task AssertNothingLeftAsync(Sandbench.Core.Runtimes.IRuntime runtime)
    {
        Assert.Empty(_f.OurProcesses());
        Assert.Empty(_f.Ledger.Entries());
        string work = Path.Combine(_f.Root, "work");
        Assert.True(!Directory.Exists(work) || Directory.GetFileSystemEntries(work).Length == 0, "sandbox directories left");
        if (runtime.Profile.Kind == "oci")
        {
            string bin = Sandbench.Core.Host.Executables.Find(runtime.Profile.Option("binary")!)!;
            var list = await Sandbench.Runtimes.Native.Command.RunAsync(bin, ["list", "--quiet"], TimeSpan.FromSeconds(30));
            Assert.DoesNotContain(list.Stdout.Split('\n'), n => n.StartsWith(_f.Prefix, StringComparison.Ordinal));
        }
    }
}
