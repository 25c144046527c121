using k8s;
using Sandbench.Core.Experiments;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Kubernetes.Tests;

/// <summary>
/// Against a real cluster with Knative Serving: runs when <c>KUBECONFIG</c> names a reachable one, skipped with the reason
/// otherwise. <c>SANDBENCH_KNATIVE_GATEWAY</c> gives the ingress (default 127.0.0.1:8080, e.g. a port-forward to Kourier),
/// <c>SANDBENCH_KNATIVE_RUNTIME_CLASS</c> a RuntimeClass to run with, <c>SANDBENCH_KNATIVE_NAMESPACE</c> the namespace,
/// <c>SANDBENCH_LOAD_IMAGE</c> an image with sandbench in it for the in-cluster load (docs/knative.md).
/// </summary>
[Trait("Category", "LiveCluster")]
public sealed class LiveClusterTests
{
    private static async Task<KnativeRuntime> RuntimeOrSkipAsync(params (string Key, string Value)[] extra)
    {
        string kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG") ?? "";
        if (kubeconfig.Length == 0) Assert.Skip("KUBECONFIG is not set: no cluster to run the live Knative tests against");
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kubeconfig"] = kubeconfig.Split(Path.PathSeparator)[0],
            ["gateway"] = Environment.GetEnvironmentVariable("SANDBENCH_KNATIVE_GATEWAY") ?? "127.0.0.1:8080",
            ["min-scale"] = "0",
            ["stable-window"] = "6s",
            ["scale-to-zero-retention"] = "0s",
            ["zero-timeout"] = "3m",
        };
        if (Environment.GetEnvironmentVariable("SANDBENCH_KNATIVE_RUNTIME_CLASS") is { Length: > 0 } rc) options["runtime-class"] = rc;
        if (Environment.GetEnvironmentVariable("SANDBENCH_KNATIVE_NAMESPACE") is { Length: > 0 } ns) options["namespace"] = ns;
        foreach (var (k, v) in extra) options[k] = v;
        var rt = new KnativeRuntime(new RuntimeProfile("knative-live", RuntimeKinds.Knative, options), MonotonicClock.System);
        var probe = await rt.ProbeAsync(new NoArtifacts(), TestContext.Current.CancellationToken);
        if (!probe.Usable) Assert.Skip($"the cluster of KUBECONFIG is not usable: {probe.Reason}");
        return rt;
    }

    private static TrialContext Context(KnativeRuntime rt, string type, string runId, int? count = null) =>
        new(new TrialPlan(new(type, 1, 0, TimeSpan.FromMinutes(2), Core.Plans.ReadinessMethod.Auto, TimeSpan.FromMilliseconds(1),
                Core.Plans.TrialOrder.Interleaved), rt.Profile, "hello", 0, false) { Count = count },
            rt, new Artifact("hello", "", "", "", "", 0, []), $"sb-{runId}-1", Path.GetTempPath(), MonotonicClock.System)
        { RunId = runId };

    [Fact]
    public async Task Metrics_RealCluster_EveryNodeReadWhenMetricsServerRuns()
    {
        var rt = await RuntimeOrSkipAsync();
        var nodes = await rt.Api().Client.CoreV1.ListNodeAsync(cancellationToken: TestContext.Current.CancellationToken);

        var metrics = await rt.SampleMetricsAsync("live-none", 1, TestContext.Current.CancellationToken);

        if (metrics.Count == 0) Assert.Skip("the cluster of KUBECONFIG serves no metrics.k8s.io (no metrics-server)");
        foreach (var node in nodes.Items)
        {
            Assert.Contains(metrics, m => m.Metric == $"k8s.node.{node.Metadata.Name}.memory_bytes" && m.Value > 0);
            Assert.Contains(metrics, m => m.Metric == $"k8s.node.{node.Metadata.Name}.cpu_cores" && m.Value >= 0);
        }
        Assert.Contains(metrics, m => m.Metric.EndsWith(".count", StringComparison.Ordinal) && m.Value == 0);
    }

    [Fact]
    public async Task ColdStart_RealCluster_AnswersThroughTheIngressWithPodPhases()
    {
        var rt = await RuntimeOrSkipAsync();
        string run = "live" + Guid.NewGuid().ToString("N")[..4];
        try
        {
            var o = await rt.RunTrialAsync(Context(rt, "coldstart", run), TestContext.Current.CancellationToken);
            TestContext.Current.TestOutputHelper!.WriteLine(string.Join(", ", o.Phases.Select(p => $"{p.Key} {p.Value / 1e6:F1} ms")));
            Assert.True(o.Status == TrialStatus.Ok, o.Error);
            Assert.Contains(o.Phases, p => p.Key == KnativePhases.PodReady);
        }
        finally
        {
            Assert.Empty(await rt.EndRunAsync(run));
        }
    }

    [Fact]
    public async Task Scale_RealCluster_TwoServicesReadyAndDeleted()
    {
        var rt = await RuntimeOrSkipAsync();
        string run = "live" + Guid.NewGuid().ToString("N")[..4];
        var o = await rt.RunTrialAsync(Context(rt, "scale", run, 2), TestContext.Current.CancellationToken);
        Assert.Empty(await rt.EndRunAsync(run));
        Assert.True(o.Status == TrialStatus.Ok, o.Error);
        Assert.Equal(2, o.Members.Count(m => m.Outcome.Status == TrialStatus.Ok));
        Assert.Empty(rt.Live);
    }

    [Fact]
    public async Task WarmInCluster_RealCluster_TheJobsResultStored()
    {
        string image = Environment.GetEnvironmentVariable("SANDBENCH_LOAD_IMAGE") ?? "";
        if (image.Length == 0) Assert.Skip("SANDBENCH_LOAD_IMAGE is not set: no image with sandbench in it for the in-cluster load");
        var rt = await RuntimeOrSkipAsync(("load-image", image), ("min-scale", "1"));
        string run = "live" + Guid.NewGuid().ToString("N")[..4];
        var c = Context(rt, "warm", run);
        c = c with
        {
            Trial = c.Trial with
            {
                Rate = 20,
                Spec = c.Trial.Spec with { Load = new Core.Plans.LoadSpec([20], null, TimeSpan.FromSeconds(5), 2, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2)) },
            },
        };
        try
        {
            var o = await rt.RunTrialAsync(c, TestContext.Current.CancellationToken);
            Assert.True(o.Status == TrialStatus.Ok, o.Error);
            Assert.Equal("in-cluster", o.Parameters["client"]);
            Assert.InRange(o.Samples.Single(s => s.Key == "completed").Value, 90, 110);
            Assert.NotEmpty(o.Histograms);
        }
        finally
        {
            Assert.Empty(await rt.EndRunAsync(run));
        }
    }

    [Fact]
    public async Task Eventing_RealCluster_EventsComeBackThroughTheBroker()
    {
        string image = Environment.GetEnvironmentVariable("SANDBENCH_LOAD_IMAGE") ?? "";
        if (image.Length == 0) Assert.Skip("SANDBENCH_LOAD_IMAGE is not set: no image with sandbench in it for the eventing round");
        var rt = await RuntimeOrSkipAsync(("load-image", image));
        string run = "live" + Guid.NewGuid().ToString("N")[..4];
        var c = Context(rt, "eventing", run);
        c = c with
        {
            Trial = c.Trial with
            {
                Rate = 20,
                Spec = c.Trial.Spec with
                {
                    Load = new Core.Plans.LoadSpec([20], null, TimeSpan.FromSeconds(5), 2, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2)),
                    Events = Core.Plans.EventingSpec.Defaults,
                },
            },
        };
        var o = await rt.RunTrialAsync(c, TestContext.Current.CancellationToken);
        if (o.Status == TrialStatus.Failed && o.Error?.Contains("no Broker named", StringComparison.Ordinal) == true)
            Assert.Skip($"the cluster has no Broker for the live eventing test: {o.Error}");
        Assert.True(o.Status == TrialStatus.Ok, o.Error);
        Assert.Equal(o.Samples.Single(s => s.Key == "accepted").Value, o.Samples.Single(s => s.Key == "events").Value);
        Assert.Contains(o.Histograms, h => h.Metric == "delivery_ns");
    }
}
