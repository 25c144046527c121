using System.Globalization;
using System.Text.Json.Nodes;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;

namespace Sandbench.Kubernetes.Tests;

/// <summary>Eventing trials against the fake API server, the fake Eventing (Broker, Triggers) and the Job's round run for real.</summary>
public sealed partial class EventingTests
{
    private const string Image = "registry.example/sandbench:1";

    private static ExperimentSpec Spec(double rate, TimeSpan duration, TimeSpan? startTimeout = null) => FakeCluster.Spec("eventing", TimeSpan.FromSeconds(5)) with
    {
        Load = new LoadSpec([rate], null, duration, 2, TimeSpan.Zero, startTimeout ?? TimeSpan.FromSeconds(30)),
        Events = new EventingSpec("binary", TimeSpan.FromSeconds(5)),
    };

    /// <summary>No Trigger, sink Service or Job is left on the cluster.</summary>
    private static void AssertNothingLeft(FakeCluster cluster)
    {
        Assert.Empty(cluster.Api.All("triggers"));
        Assert.Empty(cluster.Api.All(FakeApiServer.PlainServices));
        Assert.Empty(cluster.Api.All("jobs"));
    }

    private static TrialContext Context(FakeCluster cluster, KnativeRuntime rt, ExperimentSpec spec)
    {
        var c = cluster.Context(rt, spec);
        return c with { Trial = c.Trial with { Rate = spec.Load!.Rates[0] } };
    }

    [Fact]
    public async Task Check_EventingWithoutLoadImage_SaysWhatToSet()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var rt = cluster.Runtime();

        var problems = rt.Check(Spec(10, TimeSpan.FromSeconds(1))).ToList();

        var line = Assert.Single(problems);
        Assert.Equal("knative-test: eventing runs its sender and sink in a pod of the cluster: set option 'load-image' to an image with sandbench on its PATH (docs/knative.md)", line);
        Assert.Empty(cluster.Runtime(("load-image", Image)).Check(Spec(10, TimeSpan.FromSeconds(1))));
    }

    [Fact]
    public async Task RunTrial_NoBroker_FailsNamingTheBroker_NothingCreated()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var rt = cluster.Runtime(("load-image", Image), ("broker", "events"));

        var o = await rt.RunTrialAsync(Context(cluster, rt, Spec(10, TimeSpan.FromSeconds(1))), TestContext.Current.CancellationToken);

        Assert.Equal(TrialStatus.Failed, o.Status);
        Assert.Equal("no Broker named events in namespace default (option 'broker'; is Knative Eventing installed? docs/knative.md: eventing)", o.Error);
        AssertNothingLeft(cluster);
    }

    [Fact]
    public async Task RunTrial_BrokerNotReady_FailsWithItsCondition()
    {
        await using var cluster = await FakeCluster.StartAsync();
        await cluster.StartEventingAsync();
        cluster.Api.Update("brokers", "default", b => b["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "False", ["message"] = "channel is not ready" }),
        });
        var rt = cluster.Runtime(("load-image", Image));

        var o = await rt.RunTrialAsync(Context(cluster, rt, Spec(10, TimeSpan.FromSeconds(1))), TestContext.Current.CancellationToken);

        Assert.Equal(TrialStatus.Failed, o.Status);
        Assert.Equal("Broker default/default is not Ready: channel is not ready", o.Error);
    }

    [Fact]
    public async Task RunTrial_TriggerNeverReady_TimesOutWithItsCondition_TriggerAndServiceDeleted()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var eventing = await cluster.StartEventingAsync();
        eventing.TriggerProblem = "Unable to get the Subscriber's URI";
        var rt = cluster.Runtime(("load-image", Image));

        var o = await rt.RunTrialAsync(Context(cluster, rt, Spec(10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))), TestContext.Current.CancellationToken);

        Assert.Equal(TrialStatus.Timeout, o.Status);
        Assert.StartsWith("the Trigger sb-", o.Error, StringComparison.Ordinal);
        Assert.EndsWith(" was not Ready within start-timeout 1s: Unable to get the Subscriber's URI", o.Error, StringComparison.Ordinal);
        AssertNothingLeft(cluster);
        Assert.Contains(o.Phases, p => p.Key == KnativeEventing.BrokerReady);
    }

    [Fact]
    public async Task RunTrial_TriggerCannotBeDeleted_ServiceDeletedAnyway_TriggerLeftForClean()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var eventing = await cluster.StartEventingAsync();
        eventing.TriggerProblem = "never Ready";
        cluster.Api.TriggerDeletesFail = true;
        var rt = cluster.Runtime(("load-image", Image));

        var o = await rt.RunTrialAsync(Context(cluster, rt, Spec(10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))), TestContext.Current.CancellationToken);

        Assert.Equal(TrialStatus.Timeout, o.Status);
        Assert.Single(cluster.Api.All("triggers"));
        Assert.Empty(cluster.Api.All(FakeApiServer.PlainServices));
    }

    [Fact]
    public async Task Clean_LeftoverTriggersAndSinkServices_DeletedLiveRunsKept()
    {
        await using var cluster = await FakeCluster.StartAsync();
        await cluster.StartEventingAsync();
        foreach (var run in new[] { "dead0001", "live0001" })
        {
            var r = new EventingObjects.Request($"sb-{run}-ev-1", run, Image, null, "default", new Uri(cluster.Eventing!.BrokerUrl), "binary", 10, 1,
                TimeSpan.FromSeconds(1), TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
            cluster.Api.Put("triggers", JsonNode.Parse(EventingObjects.Trigger(r, "default").ToJsonString())!.AsObject());
            cluster.Api.Put(FakeApiServer.PlainServices, JsonNode.Parse(k8s.KubernetesJson.Serialize(EventingObjects.Service(r)))!.AsObject());
        }
        cluster.Api.Put(FakeApiServer.PlainServices, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "someone-elses" } });

        var lines = await ClusterCleaner.CleanAsync(cluster.Kubeconfig, null, "default", null, run => run == "live0001", TestContext.Current.CancellationToken);

        Assert.Equal(["deleted Trigger default/sb-dead0001-ev-1 of run dead0001", "deleted Service default/sb-dead0001-ev-1 of run dead0001"], lines);
        Assert.Equal(["sb-live0001-ev-1"], cluster.Api.All("triggers").Select(t => t["metadata"]!["name"]!.GetValue<string>()));
        Assert.Equal(["sb-live0001-ev-1", "someone-elses"],
            cluster.Api.All(FakeApiServer.PlainServices).Select(t => t["metadata"]!["name"]!.GetValue<string>()).Order());
    }

    [Fact]
    public void Objects_TriggerPassesOnlyTheTrialsSourceToTheService_WhichSelectsTheJobsPod()
    {
        var r = new EventingObjects.Request("sb-r1-kn-ev-3", "r1", Image, "gvisor", "events", new Uri("http://broker-ingress.knative-eventing.svc.cluster.local/ns/events"),
            "structured", 100, 8, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10));

        var trigger = EventingObjects.Trigger(r, "ns");
        var service = EventingObjects.Service(r);
        var job = EventingObjects.Job(r);

        Assert.Equal("events", trigger["spec"]!["broker"]!.GetValue<string>());
        Assert.Equal("/sandbench/sb-r1-kn-ev-3", trigger["spec"]!["filter"]!["attributes"]!["source"]!.GetValue<string>());
        Assert.Equal("""{"apiVersion":"v1","kind":"Service","name":"sb-r1-kn-ev-3"}""", trigger["spec"]!["subscriber"]!["ref"]!.ToJsonString());
        Assert.Equal("r1", trigger["metadata"]!["labels"]![Resources.RunLabel]!.GetValue<string>());
        var pod = job.Spec.Template;
        Assert.Equal("sb-r1-kn-ev-3", service.Spec.Selector[KnativeApi.SinkLabel]);
        Assert.Equal("sb-r1-kn-ev-3", pod.Metadata.Labels[KnativeApi.SinkLabel]);
        Assert.Equal("r1", pod.Metadata.Labels[Resources.RunLabel]);
        Assert.Equal(EventingObjects.SinkPort.ToString(CultureInfo.InvariantCulture), service.Spec.Ports.Single().TargetPort.Value);
        Assert.Equal("gvisor", pod.Spec.RuntimeClassName);
        Assert.Equal("Never", pod.Spec.RestartPolicy);
        Assert.Equal(0, job.Spec.BackoffLimit);
        // Deadline: probe (2 min) + warm-up + load + drain + one request timeout + 5 min for scheduling and the image pull.
        Assert.Equal(120 + 5 + 30 + 10 + 10 + 300, job.Spec.ActiveDeadlineSeconds);
        var c = pod.Spec.Containers.Single();
        Assert.Equal(["sandbench"], c.Command);
        Assert.Equal(["eventing", "http://broker-ingress.knative-eventing.svc.cluster.local/ns/events", "--listen", "0.0.0.0:8080", "--cloudevents", "structured",
            "--ce-source", "/sandbench/sb-r1-kn-ev-3", "--rate", "100", "--connections", "8", "--duration", "30s", "--warmup-duration", "5s", "--drain", "10s",
            "--start-timeout", "120s", "--timeout", "10s", "--json", "--db", "/tmp/sandbench.db"], c.Args);
    }
}
