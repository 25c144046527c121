using Sandbench.Core.Execution;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;
using Sandbench.Store;

namespace Sandbench.Kubernetes.Tests;

public sealed class ProbeAndCleanTests
{
    [Fact]
    public async Task Probe_FakeCluster_UsableWithTheVersion()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var p = await cluster.Runtime(("runtime-class", "gvisor")).ProbeAsync(new NoArtifacts(), TestContext.Current.CancellationToken);
        Assert.True(p.Usable, p.Reason);
        Assert.Equal("Kubernetes v1.31.0-fake, Knative Serving v1", p.Version);
    }

    [Fact]
    public async Task Probe_NoKnativeOrNoRuntimeClassOrNoFile_UnusableWithTheReason()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var missingClass = await cluster.Runtime(("runtime-class", "kata-fc")).ProbeAsync(new NoArtifacts(), TestContext.Current.CancellationToken);
        Assert.False(missingClass.Usable);
        Assert.Contains("RuntimeClass 'kata-fc' does not exist", missingClass.Reason, StringComparison.Ordinal);
        cluster.Api.KnativeInstalled = false;
        var noKnative = await cluster.Runtime().ProbeAsync(new NoArtifacts(), TestContext.Current.CancellationToken);
        Assert.False(noKnative.Usable);
        Assert.Contains("Knative Serving is not installed", noKnative.Reason, StringComparison.Ordinal);
        var noFile = await cluster.Runtime(("kubeconfig", Path.Combine(cluster.Dir, "absent"))).ProbeAsync(new NoArtifacts(), TestContext.Current.CancellationToken);
        Assert.False(noFile.Usable);
        Assert.Contains("does not exist", noFile.Reason, StringComparison.Ordinal);
        var bad = cluster.Runtime(("min-scale", "-1"), ("gateway", "nowhere"));
        Assert.Equal(2, bad.Check(FakeCluster.Spec("coldstart", TimeSpan.FromSeconds(1))).Count());
    }

    [Fact]
    public async Task Probe_ServerGone_UnusableSayingItDoesNotAnswer()
    {
        var cluster = await FakeCluster.StartAsync();
        var rt = cluster.Runtime();
        string dir = Directory.CreateTempSubdirectory("sandbench-k8s-gone-").FullName;
        string kubeconfig = Path.Combine(dir, "kubeconfig");
        File.Copy(cluster.Kubeconfig, kubeconfig);
        await cluster.DisposeAsync();
        var p = await cluster.Runtime(("kubeconfig", kubeconfig)).ProbeAsync(new NoArtifacts(), TestContext.Current.CancellationToken);
        Directory.Delete(dir, true);
        Assert.False(p.Usable);
        Assert.Contains("does not answer", p.Reason, StringComparison.Ordinal);
        _ = rt;
    }

    [Fact]
    public async Task Clean_LeftoversOfADeadRun_DeletesOnlyLabelledServices()
    {
        await using var cluster = await FakeCluster.StartAsync();
        ClusterConnection.TryConnect(cluster.Kubeconfig, null, out var client, out _, out _);
        var api = new KnativeApi(client!, "default");
        await api.CreateServiceAsync(ServiceManifest.Build("sb-dead-knative-hello", "dead0001", "hello", new KnativeSettings()), TestContext.Current.CancellationToken);
        await api.CreateServiceAsync(ServiceManifest.Build("sb-live-knative-hello", "live0001", "hello", new KnativeSettings()), TestContext.Current.CancellationToken);
        cluster.Api.Put("services", new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "someone-elses" } });

        var lines = await ClusterCleaner.CleanAsync(cluster.Kubeconfig, null, "default", null, run => run == "live0001", TestContext.Current.CancellationToken);

        Assert.Equal(["deleted Knative Service default/sb-dead-knative-hello of run dead0001"], lines);
        Assert.NotNull(cluster.Api.Get("services", "sb-live-knative-hello"));
        Assert.NotNull(cluster.Api.Get("services", "someone-elses"));
        Assert.Null(cluster.Api.Get("services", "sb-dead-knative-hello"));
    }

    [Fact]
    public async Task Clean_LeftoverLoadJobs_DeletedWithTheirPods_LiveRunsKept()
    {
        await using var cluster = await FakeCluster.StartAsync();
        cluster.Jobs.Runner = _ => new TaskCompletionSource<(int, string)>().Task; // the pods keep running
        ClusterConnection.TryConnect(cluster.Kubeconfig, null, out var client, out _, out _);
        var dead = LoadJob.Manifest(new LoadJob.Request("sb-dead-load-0", "dead0001", "img", new Uri("http://a.default.svc.cluster.local/"), 10, 1,
            TimeSpan.FromSeconds(1), TimeSpan.Zero, TimeSpan.FromSeconds(30)));
        var live = LoadJob.Manifest(new LoadJob.Request("sb-live-load-0", "live0001", "img", new Uri("http://a.default.svc.cluster.local/"), 10, 1,
            TimeSpan.FromSeconds(1), TimeSpan.Zero, TimeSpan.FromSeconds(30)));
        await k8s.BatchV1OperationsExtensions.CreateNamespacedJobAsync(client!.BatchV1, dead, "default", cancellationToken: TestContext.Current.CancellationToken);
        await k8s.BatchV1OperationsExtensions.CreateNamespacedJobAsync(client.BatchV1, live, "default", cancellationToken: TestContext.Current.CancellationToken);

        var lines = await ClusterCleaner.CleanAsync(cluster.Kubeconfig, null, "default", null, run => run == "live0001", TestContext.Current.CancellationToken);

        Assert.Equal(["deleted Job default/sb-dead-load-0 of run dead0001"], lines);
        Assert.Null(cluster.Api.Get("jobs", "sb-dead-load-0"));
        Assert.NotNull(cluster.Api.Get("jobs", "sb-live-load-0"));
        Assert.DoesNotContain(cluster.Api.All("pods"), p => p["metadata"]!["labels"]!["job-name"]?.GetValue<string>() == "sb-dead-load-0");
    }

    [Fact]
    public async Task RunExecutor_KnativePlan_StoresColdStartTrialsAndDeletesTheService()
    {
        await using var cluster = await FakeCluster.StartAsync();
        string db = Path.Combine(cluster.Dir, "results.db");
        var profile = new RuntimeProfile("knative", RuntimeKinds.Knative, new Dictionary<string, string>
        {
            ["kubeconfig"] = cluster.Kubeconfig, ["gateway"] = cluster.Knative.Gateway, ["runtime-class"] = "gvisor",
        });
        var catalog = new PlanCatalog(new Dictionary<string, RuntimeProfile> { ["knative"] = profile },
            new Dictionary<string, IReadOnlyList<string>> { [RuntimeKinds.Knative] = ["kubeconfig", "gateway", "runtime-class"] },
            ["coldstart", "scale", "warm"], ["hello"]);
        var plan = PlanLoader.Load("name: k\nruntimes: [knative]\nworkloads: [hello]\nexperiments:\n  - type: coldstart\n    iterations: 3\n    warmup: 1\n    timeout: 30s\n", "test", catalog);
        using var store = SqliteResultStore.Open(db);
        var observer = new Quiet();
        cluster.Api.MetricsServed = true;
        var executor = new RunExecutor(store, new NoArtifacts(), p => new KnativeRuntime(p, MonotonicClock.System), MonotonicClock.System,
            HostInfo.Local, "test", () => cluster.RunId);
        var result = await executor.RunAsync(plan, new RunOptions(true), observer, TestContext.Current.CancellationToken);

        // The cluster's readings (metrics.k8s.io) went into the run's host readings, from the run's first second.
        var cluster1 = store.HostMetrics(result.Run.Id).Where(m => m.Metric.StartsWith("k8s.", StringComparison.Ordinal)).ToList();
        Assert.Contains(cluster1, m => m.Metric == "k8s.node.fake-node.memory_bytes" && m.Value == 1 << 30);
        Assert.Contains(cluster1, m => m.Metric == "k8s.pods.default.count");
        var trials = store.Trials(result.Run.Id);
        Assert.Equal(4, trials.Count);
        Assert.All(trials, t => Assert.True(t.Status == TrialStatus.Ok, t.Error));
        Assert.Single(trials, t => t.Warmup);
        foreach (var t in trials)
        {
            TestContext.Current.TestOutputHelper!.WriteLine($"{t.Iteration}{(t.Warmup ? " warm-up" : "")}: coldstart {t.Sample("coldstart_ns") / 1e6:F2} ms; " +
                string.Join(", ", t.Phases.Select(p => $"{p.Key} {p.Value / 1e6:F2}")));
            Assert.NotNull(t.Sample("coldstart_ns"));
            Assert.Contains(t.Phases, p => p.Key == KnativePhases.PodReady);
        }
        Assert.Empty(observer.Cleanup);
        Assert.Empty(cluster.Api.All("services"));

        // The report and the export read knative trials as any others: the cold-start figures carry the runtime's name.
        string dir = Path.Combine(cluster.Dir, "report");
        Sandbench.Report.ReportBuilder.PrepareOutput(dir);
        var outcome = new Sandbench.Report.ReportBuilder(Sandbench.Report.FigureRegistry.All, TimeProvider.System)
            .Write(Sandbench.Report.ReportData.Load(store, [result.Run]), dir, "test");
        var mean = Assert.Single(outcome.Figures, f => f.Name == "coldstart-mean");
        Assert.Contains("knative", mean.Svg, StringComparison.Ordinal);
        Assert.Contains("<td>knative</td><td class=\"num\">3</td>", File.ReadAllText(outcome.HtmlPath), StringComparison.Ordinal);
        var phases = store.Export([result.Run.Id]).Single(t => t.Name == "phases");
        Assert.Equal(trials.Sum(t => t.Phases.Count), phases.Rows.Count);
        // To look at such a run with the real CLI ('sandbench show --db FILE'): name a file to copy the results to.
        if (Environment.GetEnvironmentVariable("SANDBENCH_KNATIVE_FAKE_DB") is { Length: > 0 } keep)
        {
            store.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Copy(db, keep, overwrite: true);
        }
    }

    [Fact]
    public async Task RunExecutor_Interrupted_DeletesWhatTheRunCreated()
    {
        await using var cluster = await FakeCluster.StartAsync();
        cluster.Knative.ScaleToZero = false; // the cold start waits for zero replicas, which never come, until interrupted
        string db = Path.Combine(cluster.Dir, "results.db");
        var profile = new RuntimeProfile("knative", RuntimeKinds.Knative, new Dictionary<string, string>
        {
            ["kubeconfig"] = cluster.Kubeconfig, ["gateway"] = cluster.Knative.Gateway,
        });
        var catalog = new PlanCatalog(new Dictionary<string, RuntimeProfile> { ["knative"] = profile },
            new Dictionary<string, IReadOnlyList<string>> { [RuntimeKinds.Knative] = ["kubeconfig", "gateway"] }, ["coldstart"], ["hello"]);
        var plan = PlanLoader.Load("name: k\nruntimes: [knative]\nworkloads: [hello]\nexperiments:\n  - type: coldstart\n    iterations: 3\n    warmup: 0\n    timeout: 30s\n", "test", catalog);
        using var store = SqliteResultStore.Open(db);
        using var cts = new CancellationTokenSource();
        var executor = new RunExecutor(store, new NoArtifacts(), p => new KnativeRuntime(p, MonotonicClock.System), MonotonicClock.System,
            HostInfo.Local, "test", () => cluster.RunId);
        var running = executor.RunAsync(plan, new RunOptions(true), new Quiet(), cts.Token);
        while (cluster.Api.All("pods").Count == 0) await Task.Yield();
        await cts.CancelAsync(); // as the first Ctrl+C does
        var result = await running;

        Assert.True(result.Interrupted);
        Assert.Equal(RunStatus.Interrupted, store.FindRun(result.Run.Id)!.Status);
        Assert.Equal(TrialStatus.Interrupted, Assert.Single(store.Trials(result.Run.Id)).Status);
        Assert.Empty(cluster.Api.All("services"));
        Assert.Empty(cluster.Api.All("pods"));
    }
}
