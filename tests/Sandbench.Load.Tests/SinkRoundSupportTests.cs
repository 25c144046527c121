using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Load.Tests;

/// <summary>What the sink offers an eventing round: a listen address, a measured type, a stop, a wait on the count, and its JSON read back.</summary>
public sealed class SinkRoundSupportTests
{
    private static readonly SinkOptions Bounded = new() { Port = 0, Duration = TimeSpan.FromSeconds(60) };
    private static readonly JsonSerializerOptions CamelCase = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static string Timed(string id, string type) =>
        Events.Binary(id, $"ce-{EventAttributes.SentNs}: {EventClock.NowNs().ToString(CultureInfo.InvariantCulture)}\r\nce-{EventAttributes.Clock}: {EventClock.Domain}\r\n")
            .Replace("ce-type: test.event", $"ce-type: {type}", StringComparison.Ordinal);

    [Fact]
    public async Task RunAsync_MeasuredType_OtherTypesAnswered202CountedApartAndReported()
    {
        var arrived = new ConcurrentQueue<ArrivedEvent>();
        await using var running = await RunningSink.StartAsync(Bounded with { MeasuredType = "m" }, otherTypeArrived: arrived.Enqueue);

        string[] answers = [await running.SendRawAsync(Timed("1", "m")), await running.SendRawAsync(Timed("2", "probe")), await running.SendRawAsync(Timed("2", "probe")),
            await running.SendRawAsync(Timed("3", "warm"))];
        var r = await running.StopAsync();

        Assert.All(answers, a => Assert.StartsWith("HTTP/1.1 202 Accepted\r\n", a, StringComparison.Ordinal));
        Assert.Equal(1, r.Events);
        Assert.Equal(1, r.Delivery!.N);
        Assert.Equal(3, r.OtherTypes);
        Assert.Equal(new Dictionary<string, long> { ["probe"] = 2, ["warm"] = 1 }, r.OtherTypesByType);
        Assert.Equal(4, r.Requests);
        Assert.Equal(0, r.Duplicates); // other types are not deduplicated: they are not events of the run
        Assert.Equal(["probe", "probe", "warm"], arrived.Select(a => a.Type));
        Assert.All(arrived, a => Assert.True(a.SentNs <= a.ReceivedNs && a.Source == "/test"));
        Assert.Equal("m", r.Parameters()["measured_type"]);
        Assert.Equal(3, r.Samples().Single(s => s.Key == "other_types").Value);
    }

    [Fact]
    public async Task Stop_WhileRunning_EndsAsStoppedAfterTheAwaitedCount()
    {
        await using var running = await RunningSink.StartAsync(Bounded);
        var sink = running.Sink;
        var two = sink.WhenEventsAsync(2, TestContext.Current.CancellationToken);

        await running.SendRawAsync(Timed("a", "t"));
        Assert.False(two.IsCompleted);
        await running.SendRawAsync(Timed("a", "t")); // a duplicate does not count
        Assert.False(two.IsCompleted);
        await running.SendRawAsync(Timed("b", "t"));
        await two;
        sink.Stop();
        var r = await running.Run;

        Assert.Equal("stopped", r.EndedBy);
        Assert.Equal(2, r.Events);
        Assert.Equal(2, sink.Events);
        Assert.True(sink.WhenEventsAsync(1, TestContext.Current.CancellationToken).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task RunAsync_ListenOnEveryInterface_ReachedOnLoopbackAndNamedWhenTaken()
    {
        await using var running = await RunningSink.StartAsync(Bounded with { Listen = IPAddress.Any });

        string answer = await running.SendRawAsync(Timed("a", "t"));
        var e = await Assert.ThrowsAsync<LoadException>(() =>
            new EventSink(Bounded with { Listen = IPAddress.Any, Port = running.Endpoint.Port }).RunAsync(TestContext.Current.CancellationToken));
        var r = await running.StopAsync();

        Assert.Equal(IPAddress.Any, running.Endpoint.Address);
        Assert.StartsWith("HTTP/1.1 202 ", answer, StringComparison.Ordinal);
        Assert.Equal($"0.0.0.0:{running.Endpoint.Port}", r.Listen);
        Assert.StartsWith($"cannot listen on 0.0.0.0:{running.Endpoint.Port}: 0.0.0.0:{running.Endpoint.Port} is already in use", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromJson_WhatTheSinkPrinted_RestoresTheDeliveryHistogram()
    {
        await using var running = await RunningSink.StartAsync(Bounded);
        await running.SendRawAsync(Timed("a", "t"));
        await running.SendRawAsync(Timed("b", "t"));
        var r = await running.StopAsync();

        string json = JsonSerializer.Serialize(r, CamelCase);
        var back = SinkResult.FromJson(json);

        using var doc = JsonDocument.Parse(json);
        Assert.Equal(r.EncodedDeliveryHistogram, doc.RootElement.GetProperty("encodedDeliveryHistogram").GetString());
        Assert.Equal(r.DeliveryHistogram, back.DeliveryHistogram);
        Assert.Equal(2, HistogramCodec.Decode(back.DeliveryHistogram!).TotalCount);
        Assert.Equal((r.Events, r.Delivery, r.EndedBy, r.StartedNs), (back.Events, back.Delivery, back.EndedBy, back.StartedNs));
        Assert.Equal(r.Seconds, back.Seconds);
        var damaged = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        damaged["encodedDeliveryHistogram"] = "AAAA" + r.EncodedDeliveryHistogram![4..]; // not the V2 cookie
        Assert.Throws<JsonException>(() => SinkResult.FromJson(damaged.ToJsonString()));
    }
}
