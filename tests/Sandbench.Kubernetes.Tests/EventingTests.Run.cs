using Sandbench.Core.Execution;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Store;

namespace Sandbench.Kubernetes.Tests;

public sealed partial class EventingTests
{
    [Fact]
    public async Task RunExecutor_EventingPlan_StoredAndReportedAsEventingTrials_NothingLeftOnTheCluster()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var eventing = await cluster.StartEventingAsync();
        cluster.Jobs.Runner = args => SandbenchEventing(args, eventing);
        var profile = new RuntimeProfile("ev-runc", RuntimeKinds.Knative, new Dictionary<string, string>
        {
            ["kubeconfig"] = cluster.Kubeconfig, ["load-image"] = Image,
        });
        var catalog = new PlanCatalog(new Dictionary<string, RuntimeProfile> { ["ev-runc"] = profile },
            new Dictionary<string, IReadOnlyList<string>> { [RuntimeKinds.Knative] = ["kubeconfig", "load-image", "broker"] },
            ["coldstart", "eventing"], ["hello"]);
        var plan = PlanLoader.Load("""
            name: e
            runtimes: [ev-runc]
            workloads: [hello]
            experiments:
              - type: eventing
                rates: [20, 40]
                duration: 500ms
                drain: 5s
                start-timeout: 30s
                iterations: 1
            """, "test", catalog);
        using var store = SqliteResultStore.Open(Path.Combine(cluster.Dir, "results.db"));
        var executor = new RunExecutor(store, new NoArtifacts(), p => new KnativeRuntime(p, MonotonicClock.System), MonotonicClock.System,
            HostInfo.Local, "test", () => cluster.RunId);

        var result = await executor.RunAsync(plan, new RunOptions(true), new Quiet(), TestContext.Current.CancellationToken);

        var trials = store.Trials(result.Run.Id);
        Assert.Equal(2, trials.Count);
        Assert.All(trials, t => Assert.True(t.Status == TrialStatus.Ok, t.Error));
        Assert.Equal(["20", "40"], trials.Select(t => t.Parameters["rate"]).Order());
        Assert.All(trials, t => Assert.NotEmpty(store.Series(t.Id)));
        Assert.All(trials, t => Assert.Contains(store.Histograms(t.Id), h => h.Metric == "delivery_ns"));
        // The eventing tables read them as they read a local sink's runs.
        var rows = Eventing.Of(trials);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal("ev-runc via Broker default/default", r.Label));
        Assert.All(rows, r => Assert.True(r.Events > 0 && r.P50Ms > 0));

        string dir = Path.Combine(cluster.Dir, "report");
        Sandbench.Report.ReportBuilder.PrepareOutput(dir);
        var outcome = new Sandbench.Report.ReportBuilder(Sandbench.Report.FigureRegistry.All, TimeProvider.System)
            .Write(Sandbench.Report.ReportData.Load(store, [result.Run]), dir, "test");
        Assert.Contains(outcome.Figures, f => f.Name == "eventing-percentiles");
        Assert.Contains(outcome.Figures, f => f.Name == "eventing-over-time");

        AssertNothingLeft(cluster);
    }
}
