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
}
