using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Load.Tests;

/// <summary>Eventing rounds through a fake broker on 127.0.0.1: sender and sink in this process, the broker between them.</summary>
public sealed class EventingRoundTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(20);

    private static EventingRoundOptions Options(FakeBroker broker) => new()
    {
        Broker = broker.Url,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        Source = "/sandbench/test",
        Rate = 100,
        Connections = 4,
        Duration = TimeSpan.FromSeconds(1),
        Drain = TimeSpan.FromSeconds(10), // a round that receives everything ends its drain at once
        StartTimeout = TimeSpan.FromSeconds(20),
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>A round whose sink the broker delivers to; its stage lines and sink address are kept.</summary>
    private sealed class Harness(FakeBroker broker, EventingRoundOptions options)
    {
        public ConcurrentQueue<string> Log { get; } = new();

        public IPEndPoint? Sink { get; private set; }

        public Task<EventingRoundResult> RunAsync(CancellationToken ct) => new EventingRound(options)
        {
            Listening = ep =>
            {
                Sink = ep;
                broker.Subscribe(ep);
            },
            Log = Log.Enqueue,
        }.RunAsync(ct);
    }

    [Theory]
    [InlineData(CloudEventMode.Binary)]
    [InlineData(CloudEventMode.Structured)]
    public async Task RunAsync_BrokerDeliversEverything_AllReceivedAndOnlyMeasuredEventsTimed(CloudEventMode mode)
    {
        await using var broker = new FakeBroker { ForwardDelay = Delay };
        var h = new Harness(broker, Options(broker) with { Mode = mode, WarmupDuration = TimeSpan.FromMilliseconds(500) });

        var r = await h.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal("all-received", r.EndedBy);
        var load = r.Load!;
        Assert.True(load.Completed > 0 && load.Errors == 0 && load.Completed + load.Dropped == 100, $"completed {load.Completed}, dropped {load.Dropped}, errors {load.Errors}");
        Assert.Equal((load.Sent, load.Completed, load.Completed), (r.Sent, r.Accepted, r.Received));
        Assert.Equal((0, 0), (r.Lost, r.ReceivedNotAccepted));
        Assert.Equal(r.Accepted, broker.Received(EventingRoundOptions.MeasuredType));
        // Probes and warm-up went through the same broker and sink, answered and counted apart, never timed.
        var sink = r.Sink;
        Assert.Equal(EventingRoundOptions.MeasuredType, sink.MeasuredType);
        Assert.Equal(r.Received, sink.Events);
        Assert.True(sink.OtherTypesByType[EventingRoundOptions.ProbeType] >= 1);
        var warmup = r.Warmup!;
        Assert.True(warmup.Accepted > 0 && warmup.Accepted <= warmup.Sent, $"warm-up {warmup}");
        Assert.Equal(warmup.Accepted, sink.OtherTypesByType[EventingRoundOptions.WarmupType]);
        Assert.Equal(sink.OtherTypesByType.Values.Sum(), sink.OtherTypes);
        Assert.Equal(r.Received, sink.Delivery!.N);
        Assert.Equal(r.Received, HistogramCodec.Decode(sink.DeliveryHistogram!).TotalCount);
        Assert.Equal(r.Received, sink.Seconds.Sum(s => s.Events));
        Assert.Equal(0, sink.Untimed + sink.ForeignClock + sink.NegativeLatency + sink.Invalid + sink.Duplicates);
        // Every delivery waited at least the broker's delay (less HdrHistogram's 3-digit rounding of the lowest value).
        Assert.True(sink.Delivery.Min >= Delay.TotalMilliseconds * 0.999, $"min {sink.Delivery.Min} ms");
        Assert.True(r.Probe.Attempts >= 1 && r.Probe.Accepted == r.Probe.Attempts && r.Probe.LastFailure is null, $"{r.Probe}");
        Assert.True(r.Probe.RouteNs >= Delay.Ticks * 100 && r.Probe.FirstProbeDeliveryNs >= Delay.Ticks * 100, $"{r.Probe}");
        Assert.Equal("stopped", sink.EndedBy);
        Assert.Contains(h.Log, l => l.StartsWith("route open: ", StringComparison.Ordinal));
        await AssertClosedAsync(h.Sink!);
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, "; last failure: HTTP 503 Service Unavailable)")]
    public async Task RunAsync_NoProbeComesBack_FailsAfterTheStartTimeoutAndClosesTheSink(bool unavailable, string? detail)
    {
        await using var broker = new FakeBroker { NeverForward = !unavailable, Unavailable = unavailable };
        var h = new Harness(broker, Options(broker) with { StartTimeout = TimeSpan.FromSeconds(1) });

        var e = await Assert.ThrowsAsync<LoadException>(() => h.RunAsync(TestContext.Current.CancellationToken));

        Assert.StartsWith($"no probe event came back from {broker.Url} within 1s: is a Trigger routing source /sandbench/test (type dev.sandbench.probe) to this sink?",
            e.Message, StringComparison.Ordinal);
        var counts = System.Text.RegularExpressions.Regex.Match(e.Message, @"\((\d+) probes sent, (\d+) accepted with 2xx");
        long sent = long.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture), accepted = long.Parse(counts.Groups[2].Value, CultureInfo.InvariantCulture);
        // One every 100 ms for 1 s: about 10, however busy the host. The timeout may cut the last one short, before the broker
        // read it or before its answer came back.
        long probes = broker.Received(EventingRoundOptions.ProbeType);
        Assert.InRange(probes, 2, 11);
        Assert.InRange(sent, probes, probes + 1);
        Assert.InRange(accepted, unavailable ? 0 : sent - 1, unavailable ? 0 : sent);
        Assert.EndsWith(detail ?? "accepted with 2xx)", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, broker.Received(EventingRoundOptions.MeasuredType));
        await AssertClosedAsync(h.Sink!);
    }

    [Fact]
    public async Task RunAsync_BrokerDropsMeasuredEvents_LostCountedAndTheDrainTimesOut()
    {
        await using var broker = new FakeBroker { DropMeasured = n => n % 10 == 0 };
        var h = new Harness(broker, Options(broker) with { Drain = TimeSpan.FromSeconds(1) });

        var r = await h.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal("drain-timeout", r.EndedBy);
        Assert.True(broker.DroppedMeasured >= 5, $"dropped {broker.DroppedMeasured}");
        Assert.Equal(broker.DroppedMeasured, r.Lost);
        Assert.Equal(r.Accepted - broker.DroppedMeasured, r.Received);
        Assert.Equal(r.Received, r.Sink.Delivery!.N);
        Assert.InRange(r.DrainSeconds!.Value, 0.99, 5);
        var samples = r.Samples().ToDictionary(s => s.Key, s => s.Value);
        Assert.Equal((r.Sent, r.Accepted, r.Lost, r.Probe.Attempts, r.Received), ((long)samples["sent"], (long)samples["accepted"], (long)samples["lost"],
            (int)samples["probe_attempts"], (long)samples["events"]));
        Assert.Equal(r.Probe.RouteNs, (long)samples["route_ns"]);
    }

    [Fact]
    public async Task ToJson_FromJson_RoundTripKeepsEveryFigureAndHistogram()
    {
        await using var broker = new FakeBroker { ForwardDelay = Delay };
        var r = await new Harness(broker, Options(broker) with { Rate = 50, WarmupDuration = TimeSpan.FromMilliseconds(200) }).RunAsync(TestContext.Current.CancellationToken);

        string json = r.ToJson();
        var back = EventingRoundResult.FromJson(json);

        Assert.Equal("{", json.Split('\n')[0]);
        Assert.Equal(json, back.ToJson());
        Assert.Equal((r.Sent, r.Accepted, r.Received, r.Lost, r.EndedBy), (back.Sent, back.Accepted, back.Received, back.Lost, back.EndedBy));
        Assert.Equal(r.Probe, back.Probe);
        Assert.Equal(r.Warmup, back.Warmup);
        Assert.Equal(r.Sink.DeliveryHistogram, back.Sink.DeliveryHistogram);
        Assert.Equal(r.Received, HistogramCodec.Decode(back.Sink.DeliveryHistogram!).TotalCount);
        Assert.Equal(r.Load!.Histograms!.Corrected.TotalCount, back.Load!.Histograms!.Corrected.TotalCount);
        Assert.Equal(r.Load.Histograms.Corrected.GetValueAtPercentile(99), back.Load.Histograms.Corrected.GetValueAtPercentile(99));
        Assert.Equal(r.Sink.OtherTypesByType, back.Sink.OtherTypesByType);
    }

    [Fact]
    public async Task RunAsync_CancelledDuringTheLoad_ReturnsWhatWasGatheredAsInterrupted()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        await using var broker = new FakeBroker { MeasuredArrived = n => { if (n == 20) cts.Cancel(); } };
        var h = new Harness(broker, Options(broker) with { Duration = TimeSpan.FromSeconds(30) });

        var r = await h.RunAsync(cts.Token);

        Assert.Equal("interrupted", r.EndedBy);
        Assert.True(r.Load!.Interrupted);
        Assert.InRange(r.Sent, 20, 100);
        Assert.Null(r.DrainSeconds);
        Assert.Equal("interrupted", r.Sink.EndedBy);
        await AssertClosedAsync(h.Sink!);
    }

    [Fact]
    public void Validate_BadOptions_OneSentencePerProblem()
    {
        var o = new EventingRoundOptions
        {
            Broker = new Uri("https://broker.example/ns/default"), Rate = -1, Duration = TimeSpan.Zero, WarmupDuration = TimeSpan.FromSeconds(-1),
            Drain = TimeSpan.FromSeconds(-1), StartTimeout = TimeSpan.Zero, Source = "a b",
        };

        var problems = o.Validate();

        Assert.Equal(7, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("URL 'https://broker.example/ns/default' must be an absolute http:// URL", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--rate must be above 0", StringComparison.Ordinal));
        Assert.Contains("--duration must be above 0 (e.g. 10s)", problems);
        Assert.Contains("--warmup-duration must be 0 or more (e.g. 5s)", problems);
        Assert.Contains("--drain must be 0 or more (e.g. 10s)", problems);
        Assert.Contains("--start-timeout must be above 0 (e.g. 60s)", problems);
        Assert.Contains(problems, p => p.StartsWith("--ce-source 'a b' must be a URI reference", StringComparison.Ordinal));
    }

    /// <summary>Nothing listens on the sink's port any more.</summary>
    private static async Task AssertClosedAsync(IPEndPoint sink)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var e = await Assert.ThrowsAsync<SocketException>(() => socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, sink.Port), TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }
}
