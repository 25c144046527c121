using Sandbench.Core.Gateway;

namespace Sandbench.Gateway.Tests;

/// <summary>What passes through the gateway, byte for byte where it matters: keep-alive, body framing, headers, routing.</summary>
public sealed class ProtocolTests : IAsyncLifetime
{
    private readonly GatewayFixture _f = new();
    private readonly FakeRuntime _runtime = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _f.DisposeAsync();

    private Task<GatewayServer> StartAsync(ScalingOptions? scaling = null) =>
        _f.StartAsync([new GatewayService("hello", _runtime, FakeRuntime.Artifact, scaling ?? new ScalingOptions())]);

    [Fact]
    public async Task KeepAlive_ThreeRequestsOnOneConnection_AllAnsweredAndOneUpstreamConnection()
    {
        var gw = await StartAsync();
        using var http = new RawHttp(gw.Url);

        for (int i = 0; i < 3; i++)
        {
            await http.SendAsync($"GET /echo?i={i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            var (status, headers, body) = await http.ReadAsync();
            Assert.Equal(200, status);
            Assert.Equal($"method=GET path=/echo?i={i} host=127.0.0.1 x-test= body=0", body);
            Assert.False(headers.TryGetValue("connection", out var c) && c == "close");
        }

        Assert.Single(_runtime.Connections);
        Assert.Equal(3, _runtime.Connections.Values.Single());
        Assert.Equal(1, gw.LiveSandboxes);
    }

    [Fact]
    public async Task ContentLengthResponse_PassesThroughWithItsLength()
    {
        var gw = await StartAsync();
        using var http = new RawHttp(gw.Url);

        await http.SendAsync("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        var (status, headers, body) = await http.ReadAsync();

        Assert.Equal(200, status);
        Assert.Equal(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), headers["content-length"]);
        Assert.False(headers.ContainsKey("transfer-encoding"));
    }

    [Fact]
    public async Task ChunkedResponse_PassesThroughChunked()
    {
        var gw = await StartAsync();
        using var http = new RawHttp(gw.Url);

        await http.SendAsync("GET /chunked HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        var (status, headers, body) = await http.ReadAsync();

        Assert.Equal(200, status);
        Assert.Equal("chunked", headers["transfer-encoding"]);
        Assert.False(headers.ContainsKey("content-length"));
        Assert.Equal("one,two,three", body);
    }

    [Fact]
    public async Task RequestBodies_ChunkedAndContentLength_ReachTheFunctionWhole()
    {
        var gw = await StartAsync();
        using var http = new RawHttp(gw.Url);

        await http.SendAsync("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        var chunked = await http.ReadAsync();
        await http.SendAsync("PUT /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n\r\nabcd");
        var sized = await http.ReadAsync();

        Assert.Equal("method=POST path=/echo host=127.0.0.1 x-test= body=11", chunked.Body);
        Assert.Equal("method=PUT path=/echo host=127.0.0.1 x-test= body=4", sized.Body);
    }

    [Fact]
    public async Task Headers_PassBothWays_HostKept()
    {
        var gw = await StartAsync();
        using var http = new RawHttp(gw.Url);

        await http.SendAsync("GET /echo HTTP/1.1\r\nHost: hello.default.example.com\r\nX-Test: a b c\r\n\r\n");
        var (status, headers, body) = await http.ReadAsync();

        Assert.Equal(200, status);
        Assert.Equal("method=GET path=/echo host=hello.default.example.com x-test=a b c body=0", body);
        Assert.StartsWith(_f.Prefix, headers["x-upstream"]);
        Assert.False(headers.ContainsKey("server"));
    }

    [Fact]
    public async Task Routing_ByHostLabelThenPathSegment_UnknownIs404()
    {
        var other = new FakeRuntime();
        var gw = await _f.StartAsync([
            new GatewayService("a", _runtime, FakeRuntime.Artifact, new ScalingOptions()),
            new GatewayService("b", other, FakeRuntime.Artifact, new ScalingOptions()),
        ]);
        using var http = new RawHttp(gw.Url);

        await http.SendAsync("GET /echo HTTP/1.1\r\nHost: a.default.example.com\r\n\r\n");
        var byHost = await http.ReadAsync();
        await http.SendAsync("GET /b/echo?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        var byPath = await http.ReadAsync();
        await http.SendAsync("GET /c/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        var unknown = await http.ReadAsync();

        Assert.Equal(200, byHost.Status);
        Assert.Single(_runtime.Connections);
        Assert.Equal("method=GET path=/echo?x=1 host=127.0.0.1 x-test= body=0", byPath.Body);
        Assert.Single(other.Connections);
        Assert.Equal(404, unknown.Status);
        Assert.Contains("services: a, b", unknown.Body);
        var records = gw.Requests;
        Assert.Equal(["a", "b", ""], records.Select(r => r.Service));
        Assert.Equal("/b/echo", records[1].Path);
    }

    [Fact]
    public async Task ConcurrencyOne_HeldRequests_OneSandboxEachUpToMaxThenTheThirdWaitsForASlot()
    {
        var gw = await StartAsync(new ScalingOptions { ContainerConcurrency = 1, MaxScale = 2 });
        using var client = GatewayFixture.Client();
        var ct = TestContext.Current.CancellationToken;

        var requests = Enumerable.Range(0, 3).Select(_ => client.GetStringAsync(new Uri(gw.Url, "hold"), ct)).ToList();
        await _f.Events.WaitAsync(e => e.Ready.Count == 2 && e.Queued == 3 && gw.Waiting == 1, "two sandboxes ready and one request waiting");
        Assert.Equal(2, gw.LiveSandboxes);
        Assert.True(gw.Requests.Count == 0, string.Join("; ", gw.Requests.Select(r => $"{r.Status} {r.Error}")));
        _runtime.Release();
        var bodies = await Task.WhenAll(requests);

        Assert.All(bodies, b => Assert.Equal("held", b));
        await _f.Events.WaitAsync(e => e.Done.Count == 3, "three requests recorded");
        var records = gw.Requests;
        // The third request waited for a slot in one of the two; it is cold when it arrived before that one was ready.
        Assert.Equal(2, records.Select(r => r.Sandbox).Distinct().Count());
        Assert.True(records.Count(r => r.Cold) >= 2);
        Assert.Equal([1, 2], records.GroupBy(r => r.Sandbox).Select(g => g.Count()).Order());
        Assert.Equal(2, gw.PeakSandboxes["hello"]);
        Assert.Equal(2, _f.Events.Starting.Count);
    }
}
