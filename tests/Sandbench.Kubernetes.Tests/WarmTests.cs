using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;

namespace Sandbench.Kubernetes.Tests;

public sealed class WarmTests
{
    [Fact]
    public async Task RunTrial_ReadyService_LoadsItThroughTheIngressWithItsHost()
    {
        await using var cluster = await FakeCluster.StartAsync();
        cluster.Knative.ScaleToZero = false;
        var rt = cluster.Runtime(("min-scale", "1"));
        var spec = FakeCluster.Spec("warm", TimeSpan.FromSeconds(10)) with
        {
            Load = new LoadSpec([50], null, TimeSpan.FromSeconds(1), 2, TimeSpan.Zero, TimeSpan.FromSeconds(30)),
        };
        var context = cluster.Context(rt, spec);
        context = context with { Trial = context.Trial with { Rate = 50 } };
        var o = await rt.RunTrialAsync(context, TestContext.Current.CancellationToken);

        Assert.True(o.Status == TrialStatus.Ok, o.Error);
        double completed = o.Samples.Single(s => s.Key == "completed").Value;
        Assert.True(completed > 0);
        Assert.Equal(0, o.Samples.Single(s => s.Key == "errors").Value);
        // Every answered request went through the fake ingress, which routes by Host only.
        Assert.True(cluster.Knative.Answered >= completed + 1);
        Assert.Contains(o.Histograms, h => h.Metric == WarmExperiment.CorrectedHistogram);
        Assert.Equal("open", o.Parameters["mode"]);
        Assert.Empty(await rt.EndRunAsync(cluster.RunId));
        Assert.Empty(cluster.Api.All("services"));
    }
}
