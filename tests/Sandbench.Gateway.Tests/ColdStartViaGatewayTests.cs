using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Gateway.Tests;

/// <summary>The coldstart experiment with <c>via: gateway</c>, through Core's seam, on real sandboxes.</summary>
[Trait("Category", "Integration")]
public sealed class ColdStartViaGatewayTests : IAsyncLifetime
{
    private readonly GatewayFixture _f = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _f.DisposeAsync();

    private async Task<TrialOutcome> TrialAsync(Sandbench.Core.Runtimes.IRuntime runtime, Sandbench.Core.Gateway.IGatewayLauncher? launcher)
    {
        var spec = ExperimentSpec.ColdStartDefaults with { Timeout = TimeSpan.FromSeconds(20), Via = RequestPath.Gateway };
        var artifact = await GatewayFixture.Catalog.GetAsync("hello", TestContext.Current.CancellationToken);
        string name = _f.Prefix + "1";
        string work = Path.Combine(_f.Root, name);
        Directory.CreateDirectory(work);
        var context = new TrialContext(new TrialPlan(spec, runtime.Profile, "hello", 0, false), runtime, artifact, name, work, MonotonicClock.System)
        {
            Gateway = launcher,
        };
        return await new ColdStartExperiment().RunAsync(context, TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("process", "socket")]
    [InlineData("runc", "socket")]
    [InlineData("runsc", "connect-retry")]
    public async Task ViaGateway_ServiceAtZero_ServiceResponseLatencyWithGatewayPhases(string runtimeName, string readiness)
    {
        var runtime = await _f.UsableAsync(runtimeName);

        var outcome = await TrialAsync(runtime, new GatewayLauncher());

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        Assert.Equal(readiness, outcome.Readiness);
        Assert.Equal("gateway", outcome.Parameters["via"]);
        Assert.Equal("true", outcome.Parameters["cold"]);
        var p = outcome.Phases.ToDictionary(x => x.Key, x => x.Value);
        Assert.Equal(0, p[Phases.Spawn]);
        Assert.True(p[Phases.RequestSent] < p[Phases.GatewayReceived], "the client sends before the gateway receives");
        Assert.True(p[Phases.GatewayReceived] < p[Phases.Spawn], "the gateway starts the sandbox because of the request");
        Assert.True(p[Phases.Listening] < p[Phases.UpstreamFirstByte]);
        Assert.True(p[Phases.Forwarded] < p[Phases.UpstreamFirstByte]);
        Assert.True(p[Phases.UpstreamFirstByte] < p[Phases.FirstByte], "the gateway relays what the sandbox sent");
        if (readiness == "socket") Assert.True(p[Phases.Forwarded] < p[Phases.Spawn], "socket activation: the request is queued before the spawn");
        else Assert.True(p[Phases.Listening] <= p[Phases.Forwarded], "connect-retry: forwarded once the function listens");
        double figure = outcome.Samples.Single(s => s.Key == ColdStartExperiment.Metric).Value;
        Assert.Equal(p[Phases.FirstByte] - p[Phases.RequestSent], figure);
        Assert.Empty(_f.OurProcesses());
        Assert.Empty(_f.Ledger.Entries());
    }

    [Fact]
    public async Task ViaGateway_NoLauncher_FailsWithTheReason()
    {
        var runtime = _f.Runtime("process");

        var outcome = await TrialAsync(runtime, null);

        Assert.Equal(TrialStatus.Failed, outcome.Status);
        Assert.Contains("needs the local gateway", outcome.Error);
    }

    [Fact]
    public async Task ViaGateway_RuntimeCannotStart_FailedWithTheGatewaysReason()
    {
        var runtime = _f.Runtime("runc", new Dictionary<string, string> { ["binary"] = "sandbench-no-such-runtime" });

        var outcome = await TrialAsync(runtime, new GatewayLauncher());

        Assert.Equal(TrialStatus.Failed, outcome.Status);
        Assert.Contains("the gateway answered 502", outcome.Error);
        Assert.Contains("sandbench-no-such-runtime not found on PATH", outcome.Error);
    }
}
