using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Kubernetes.Tests;

public sealed class ColdStartTests
{
    private static long Phase(TrialOutcome o, string name) =>
        o.Phases.Where(p => p.Key == name).Select(p => (long?)p.Value).FirstOrDefault() ?? throw new Xunit.Sdk.XunitException($"no phase {name} in {string.Join(", ", o.Phases.Select(p => p.Key))}");

    [Fact]
    public async Task RunTrial_ServiceAtZero_TimesTheIngressRequestWithPodPhasesInOrder()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var rt = cluster.Runtime(("runtime-class", "gvisor"), ("min-scale", "0"), ("stable-window", "6s"));
        var spec = FakeCluster.Spec("coldstart", TimeSpan.FromSeconds(30));
        var first = await rt.RunTrialAsync(cluster.Context(rt, spec, 1), TestContext.Current.CancellationToken);
        var second = await rt.RunTrialAsync(cluster.Context(rt, spec, 2), TestContext.Current.CancellationToken);

        foreach (var o in new[] { first, second })
        {
            TestContext.Current.TestOutputHelper!.WriteLine(string.Join(", ", o.Phases.Select(p => $"{p.Key}={p.Value / 1000}us")) + " | " + string.Join(", ", o.Parameters.Select(p => $"{p.Key}={p.Value}")));
            Assert.True(o.Status == TrialStatus.Ok, o.Error);
            // request-sent is marked when the send returns, which on loopback may be after the fake already reacted.
            Assert.InRange(Phase(o, Phases.RequestSent), 0, Phase(o, Phases.FirstByte));
            // Each resource has its own watch stream: receipt order holds within one resource only (the pod's conditions).
            Assert.InRange(Phase(o, KnativePhases.DeploymentScaled), 0, Phase(o, Phases.Done));
            long[] order = [.. new[] { Phases.Spawn, KnativePhases.PodCreated, KnativePhases.PodScheduled,
                KnativePhases.PodInitialized, KnativePhases.ContainersStarted, KnativePhases.PodReady }.Select(p => Phase(o, p))];
            Assert.Equal(order.Order(), order);
            Assert.Equal(0, Phase(o, Phases.Spawn));
            Assert.Equal(Phase(o, Phases.FirstByte), (long)o.Samples.Single(s => s.Key == ColdStartExperiment.Metric).Value);
            Assert.Contains(o.Samples, s => s.Key == "object.pod-ready_ns");
            Assert.StartsWith("API server clock, 1s resolution", o.Parameters["object-timestamps"], StringComparison.Ordinal);
            Assert.Equal("gvisor", o.Parameters["runtime-class"]);
            Assert.Equal("ingress", o.Readiness);
        }
        // One Service for the profile and workload, kept between trials, labelled with the run and carrying the profile's settings.
        var svc = Assert.Single(cluster.Api.All("services"));
        Assert.Equal(cluster.RunId, svc["metadata"]!["labels"]!["sandbench.io/run"]!.GetValue<string>());
        Assert.Equal("gvisor", svc["spec"]!["template"]!["spec"]!["runtimeClassName"]!.GetValue<string>());
        Assert.Equal("6s", svc["spec"]!["template"]!["metadata"]!["annotations"]!["autoscaling.knative.dev/window"]!.GetValue<string>());
        Assert.Equal(2, cluster.Knative.Answered);

        Assert.Empty(await rt.EndRunAsync(cluster.RunId));
        Assert.Empty(cluster.Api.All("services"));
        Assert.Empty(cluster.Api.All("pods"));
    }

    [Fact]
    public async Task RunTrial_ServiceNeverReady_TimesOutWithTheRevisionsReason()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var rt = cluster.Runtime(("image", FakeKnative.BrokenImage));
        var o = await rt.RunTrialAsync(cluster.Context(rt, FakeCluster.Spec("coldstart", TimeSpan.FromSeconds(2))), TestContext.Current.CancellationToken);
        Assert.True(o.Status == TrialStatus.Timeout, $"{o.Status}: {o.Error}");
        Assert.Contains("did not become Ready", o.Error, StringComparison.Ordinal);
        Assert.Contains("Back-off pulling image", o.Error, StringComparison.Ordinal);
        Assert.Empty(await rt.EndRunAsync(cluster.RunId));
        Assert.Empty(cluster.Api.All("services"));
    }

    [Fact]
    public async Task RunTrial_NameTakenOnTheCluster_FailsWith409AndLeavesTheOtherServiceAlone()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var rt = cluster.Runtime();
        var context = cluster.Context(rt, FakeCluster.Spec("coldstart", TimeSpan.FromSeconds(5)));
        string name = $"sb-{cluster.RunId}-knative-test-hello";
        cluster.Api.Put("services", new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = name } });
        var o = await rt.RunTrialAsync(context, TestContext.Current.CancellationToken);
        Assert.Equal(TrialStatus.Failed, o.Status);
        Assert.Contains("exists already", o.Error, StringComparison.Ordinal);
        Assert.Contains("(409)", o.Error, StringComparison.Ordinal);
        Assert.Empty(await rt.EndRunAsync(cluster.RunId));
        Assert.NotNull(cluster.Api.Get("services", name));
    }

    [Fact]
    public async Task RunTrial_Cancelled_IsInterruptedAndEndRunDeletesTheService()
    {
        await using var cluster = await FakeCluster.StartAsync();
        cluster.Knative.ScaleToZero = false; // the trial waits for zero replicas, which never come
        var rt = cluster.Runtime();
        using var cts = new CancellationTokenSource();
        var trial = rt.RunTrialAsync(cluster.Context(rt, FakeCluster.Spec("coldstart", TimeSpan.FromSeconds(30))), cts.Token);
        // Wait for the Service to exist (an event, not a delay), then interrupt as Ctrl+C does.
        while (cluster.Api.All("pods").Count == 0) await Task.Yield();
        await cts.CancelAsync();
        var o = await trial;
        Assert.Equal(TrialStatus.Interrupted, o.Status);
        Assert.Empty(await rt.EndRunAsync(cluster.RunId));
        Assert.Empty(cluster.Api.All("services"));
        Assert.Empty(cluster.Api.All("pods"));
    }
}
