using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;

namespace Sandbench.Kubernetes.Tests;

public sealed class ScaleTests
{
    [Fact]
    public async Task RunTrial_ThreeServices_AllReadyWithAMemberTimelineEachAndDeletedAfter()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var rt = cluster.Runtime(("runtime-class", "kata-qemu"));
        var o = await rt.RunTrialAsync(cluster.Context(rt, FakeCluster.Spec("scale", TimeSpan.FromSeconds(30)), count: 3), TestContext.Current.CancellationToken);

        Assert.True(o.Status == TrialStatus.Ok, o.Error);
        Assert.Equal(3, o.Samples.Single(s => s.Key == ScaleExperiment.AnsweredMetric).Value);
        double all = o.Samples.Single(s => s.Key == ScaleExperiment.AllReadyMetric).Value;
        Assert.Equal(3, o.Members.Count);
        foreach (var m in o.Members)
        {
            Assert.Equal(ScaleExperiment.MemberExperiment, m.Experiment);
            Assert.Equal(TrialStatus.Ok, m.Outcome.Status);
            var phases = m.Outcome.Phases.ToDictionary(p => p.Key, p => p.Value);
            // Each resource has its own watch stream, so only presence and the bound by the step's end hold across resources.
            Assert.True(phases[KnativePhases.Created] > 0);
            Assert.InRange(phases[KnativePhases.ServiceReady], 1, all);
            Assert.Contains(KnativePhases.RevisionReady, phases.Keys);
            Assert.Contains(KnativePhases.RouteReady, phases.Keys);
            Assert.Contains(KnativePhases.PodReady, phases.Keys);
        }
        Assert.Empty(cluster.Api.All("services"));
        Assert.Empty(rt.Live);
    }

    [Fact]
    public async Task RunTrial_OneServiceNeverReady_TimesOutNamingItAndDeletesAll()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var rt = cluster.Runtime(("image", FakeKnative.BrokenImage));
        var o = await rt.RunTrialAsync(cluster.Context(rt, FakeCluster.Spec("scale", TimeSpan.FromSeconds(2)), count: 2), TestContext.Current.CancellationToken);
        Assert.Equal(TrialStatus.Timeout, o.Status);
        Assert.Contains("0 of 2 Services Ready within 2s", o.Error, StringComparison.Ordinal);
        Assert.Contains("Back-off pulling image", o.Error, StringComparison.Ordinal);
        Assert.All(o.Members, m => Assert.NotEqual(TrialStatus.Ok, m.Outcome.Status));
        Assert.DoesNotContain(o.Samples, s => s.Key == ScaleExperiment.AllReadyMetric);
        Assert.Empty(cluster.Api.All("services"));
    }
}
