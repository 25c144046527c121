using System.Text.Json.Nodes;

namespace Sandbench.Kubernetes.Tests;

/// <summary>Node and pod CPU and memory from metrics.k8s.io, against the fake API server's metrics-server.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task SampleMetrics_NodesAndTheRunsPods_QuantitiesInCoresAndBytes()
    {
        await using var cluster = await FakeCluster.StartAsync();
        cluster.Api.MetricsServed = true;
        cluster.Api.NodeCpu = "1250m";
        cluster.Api.NodeMemory = "2Gi";
        foreach (string run in new[] { cluster.RunId, cluster.RunId, "other" })
        {
            cluster.Api.Put("pods", new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"pod-{Guid.NewGuid():N}"[..12],
                    ["labels"] = new JsonObject { [Resources.RunLabel] = run },
                },
            });
        }
        var rt = cluster.Runtime();

        var metrics = (await rt.SampleMetricsAsync(cluster.RunId, 42, TestContext.Current.CancellationToken)).ToDictionary(m => m.Metric, m => m);

        Assert.All(metrics.Values, m => Assert.Equal(42, m.TNs));
        Assert.Equal(1.25, metrics["k8s.node.fake-node.cpu_cores"].Value, 9);
        Assert.Equal(2.0 * (1L << 30), metrics["k8s.node.fake-node.memory_bytes"].Value);
        // Two pods of the run (the other run's is not counted), each 1500000n + 500u of CPU and 20Mi + 12Mi of memory.
        Assert.Equal(2, metrics["k8s.pods.default.count"].Value);
        Assert.Equal(2 * 0.002, metrics["k8s.pods.default.cpu_cores"].Value, 9);
        Assert.Equal(2 * 32.0 * (1 << 20), metrics["k8s.pods.default.memory_bytes"].Value);
    }

    [Fact]
    public async Task SampleMetrics_NoMetricsServer_EmptyAndNotAskedAgain()
    {
        await using var cluster = await FakeCluster.StartAsync();
        cluster.Api.MetricsServed = false;
        var rt = cluster.Runtime();

        Assert.Empty(await rt.SampleMetricsAsync(cluster.RunId, 1, TestContext.Current.CancellationToken));
        cluster.Api.MetricsServed = true;

        // The 404 said the API is not there: a run does not keep asking a cluster without metrics-server.
        Assert.Empty(await rt.SampleMetricsAsync(cluster.RunId, 2, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task SampleMetrics_NoCluster_Empty()
    {
        var profile = new Sandbench.Core.Runtimes.RuntimeProfile("knative", Sandbench.Core.Runtimes.RuntimeKinds.Knative,
            new Dictionary<string, string> { ["kubeconfig"] = "/nonexistent/kubeconfig", ["gateway"] = "127.0.0.1:1" });
        var rt = new KnativeRuntime(profile, Sandbench.Core.Timing.MonotonicClock.System);

        Assert.Empty(await rt.SampleMetricsAsync("r1", 1, TestContext.Current.CancellationToken));
    }
}
