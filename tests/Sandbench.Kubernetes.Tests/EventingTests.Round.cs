using System.Globalization;
using System.Net;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Kubernetes.Tests;

public sealed partial class EventingTests
{
    /// <summary>
    /// What the eventing Job's container does, here: 'sandbench eventing' with its args, run by the real round against the
    /// fake Broker. Its sink listens on 127.0.0.1 (not the pod's 0.0.0.0:8080) and is registered as the endpoint of the
    /// Service the Trigger names, as the Service's selector would make the pod; the JSON is printed last, as the CLI does.
    /// </summary>
    private static async Task<(int, string)> SandbenchEventing(IReadOnlyList<string> args, FakeEventing eventing)
    {
        var list = args.ToList();
        string Arg(string flag) => list[list.IndexOf(flag) + 1];
        Assert.Equal("eventing", list[0]);
        Assert.Equal($"0.0.0.0:{EventingObjects.SinkPort}", Arg("--listen"));
        string source = Arg("--ce-source");
        var options = new EventingRoundOptions
        {
            Broker = new Uri(list[1]),
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Mode = Arg("--cloudevents") == "structured" ? CloudEventMode.Structured : CloudEventMode.Binary,
            Source = source,
            Rate = double.Parse(Arg("--rate"), CultureInfo.InvariantCulture),
            Connections = int.Parse(Arg("--connections"), CultureInfo.InvariantCulture),
            Duration = Durations.Parse(Arg("--duration")),
            WarmupDuration = Durations.Parse(Arg("--warmup-duration")),
            Drain = Durations.Parse(Arg("--drain")),
            StartTimeout = Durations.Parse(Arg("--start-timeout")),
            Timeout = Durations.Parse(Arg("--timeout")),
        };
        try
        {
            var round = new EventingRound(options) { Listening = ep => eventing.SinkPorts[source["/sandbench/".Length..]] = ep.Port };
            var result = await round.RunAsync(CancellationToken.None);
            return (0, "listening on 127.0.0.1 for CloudEvents\n" + (list.Contains("--json") ? result.ToJson() + "\n" : ""));
        }
        catch (Sandbench.Load.LoadException e)
        {
            return (1, "error: " + e.Message + "\n");
        }
    }

    [Fact]
    public async Task RunTrial_Eventing_EventsThroughBrokerAndTrigger_DeliveryStored_ObjectsDeleted()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var eventing = await cluster.StartEventingAsync();
        eventing.Delay = TimeSpan.FromMilliseconds(20);
        cluster.Jobs.Runner = args => SandbenchEventing(args, eventing);
        var rt = cluster.Runtime(("load-image", Image), ("runtime-class", "gvisor"));
        var spec = Spec(50, TimeSpan.FromSeconds(1)) with { Load = Spec(50, TimeSpan.FromSeconds(1)).Load! with { WarmupDuration = TimeSpan.FromMilliseconds(200) } };

        var o = await rt.RunTrialAsync(Context(cluster, rt, spec), TestContext.Current.CancellationToken);

        Assert.True(o.Status == TrialStatus.Ok, o.Error);
        double Sample(string name) => o.Samples.Single(s => s.Key == name).Value;
        // Every measured event the Broker accepted came back once; probes and warm-up events are not among them.
        Assert.InRange(Sample("sent"), 45, 55);
        Assert.Equal(Sample("accepted"), Sample("events"));
        Assert.Equal(0, Sample("lost"));
        Assert.True(Sample("probe_attempts") >= 1);
        Assert.True(Sample("route_ns") > 0);
        // Each event waited 20 ms in the Broker: no delivery can be faster.
        Assert.True(Sample("delivery_min_ns") >= 20_000_000, $"min {Sample("delivery_min_ns")} ns");
        Assert.Contains(o.Histograms, h => h.Metric == "delivery_ns");
        Assert.Contains(o.Series, p => p.Metric == "events");
        Assert.Equal("all-received", o.Parameters["ended_by"]);
        Assert.Equal(eventing.BrokerUrl, o.Parameters["broker_url"]);
        Assert.Equal("knative-test via Broker default/default", o.Parameters["label"]);
        Assert.Equal(["eventing-job-created", "eventing-job-read"], o.Phases.Select(p => p.Key).Where(k => k.StartsWith("eventing-", StringComparison.Ordinal)));
        // The pod ran in the profile's RuntimeClass with the round's command line.
        var (container, args) = Assert.Single(cluster.Jobs.Ran);
        Assert.Equal(EventingObjects.Container, container);
        Assert.Equal(["--rate", "50", "--connections", "2", "--duration", "1s", "--warmup-duration", "200ms", "--drain", "5s", "--start-timeout", "30s",
            "--timeout", "5s", "--json", "--db", "/tmp/sandbench.db"], args.Skip(args.ToList().IndexOf("--rate")));
        // Trigger, Service and Job are gone once the trial ended.
        AssertNothingLeft(cluster);
    }

    [Fact]
    public async Task RunTrial_BrokerNeverDelivers_FailsWithTheRoundsMessage_ObjectsDeleted()
    {
        await using var cluster = await FakeCluster.StartAsync();
        var eventing = await cluster.StartEventingAsync();
        eventing.Deliver = false;
        cluster.Jobs.Runner = args => SandbenchEventing(args, eventing);
        var rt = cluster.Runtime(("load-image", Image));

        var o = await rt.RunTrialAsync(Context(cluster, rt, Spec(10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))), TestContext.Current.CancellationToken);

        Assert.Equal(TrialStatus.Failed, o.Status);
        Assert.Contains("no probe event came back", o.Error, StringComparison.Ordinal);
        Assert.Empty(o.Histograms);
        AssertNothingLeft(cluster);
    }
}
