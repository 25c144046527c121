using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Load.Tests;

/// <summary>The sink with real sockets on 127.0.0.1: the generator's events end to end, and requests that are not valid events.</summary>
public sealed class SinkTests
{
    private static readonly SinkOptions Bounded = new() { Port = 0, Duration = TimeSpan.FromSeconds(60) };

    [Theory]
    [InlineData(CloudEventMode.Binary)]
    [InlineData(CloudEventMode.Structured)]
    public async Task RunAsync_GeneratorEvents_EachReceivedOnceAndTimed(CloudEventMode mode)
    {
        await using var sink = await RunningSink.StartAsync(Bounded);

        var load = await new LoadGenerator(new LoadOptions
        {
            Target = sink.Url, Rate = 200, Duration = TimeSpan.FromSeconds(1), Connections = 4, Method = "POST",
            CloudEvents = new CloudEventOptions { Mode = mode },
        }).RunAsync(TestContext.Current.CancellationToken);
        var r = await sink.StopAsync();

        // A busy host may drop a request the schedule made due (counted by the generator); every one sent must arrive once.
        long sent = load.Completed;
        Assert.True(sent > 0 && load.Errors == 0 && sent + load.Dropped == 200, $"completed {sent}, dropped {load.Dropped}, errors {load.Errors}");
        Assert.Equal(sent, load.StatusCodes["202"]);
        Assert.Equal(mode.ToString().ToLowerInvariant(), load.CloudEvents!.Mode);
        Assert.Equal(sent, r.Events);
        Assert.Equal(sent, r.Requests);
        Assert.Equal(sent, mode == CloudEventMode.Binary ? r.Binary : r.Structured);
        Assert.Equal(0, r.Invalid + r.Duplicates + r.Untimed + r.ForeignClock + r.NegativeLatency + r.Rejected);
        Assert.Equal(sent, r.Delivery!.N);
        Assert.True(r.Delivery.Min > 0 && r.Delivery.Min <= r.Delivery.P50 && r.Delivery.P50 <= r.Delivery.P99 && r.Delivery.P99 <= r.Delivery.Max);
        Assert.Equal(sent, r.Seconds.Sum(s => s.Events));
        Assert.Equal(EventClock.Domain, r.Clock);
        var decoded = HistogramCodec.Decode(r.DeliveryHistogram!);
        Assert.Equal(sent, decoded.TotalCount);
        Assert.Equal(sent, r.Samples().Single(s => s.Key == "events").Value);
    }

    [Theory]
    [InlineData(EventDecoder.NotCloudEvent, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")]
    [InlineData(EventDecoder.InvalidEvent, "POST / HTTP/1.1\r\nConnection: close\r\nce-specversion: 1.0\r\nce-source: /t\r\nce-type: t\r\nContent-Length: 0\r\n\r\n")]
    [InlineData(EventDecoder.InvalidEvent, "POST / HTTP/1.1\r\nConnection: close\r\nce-specversion: 0.1\r\nce-id: 1\r\nce-source: /t\r\nce-type: t\r\nContent-Length: 0\r\n\r\n")]
    [InlineData(EventDecoder.InvalidEvent, "POST / HTTP/1.1\r\nConnection: close\r\nContent-Type: application/cloudevents+json\r\nContent-Length: 9\r\n\r\n{\"id\": 1,")]
    [InlineData(EventDecoder.InvalidEvent, "POST / HTTP/1.1\r\nConnection: close\r\nContent-Type: application/cloudevents+json\r\nContent-Length: 47\r\n\r\n{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/t\"}   ")]
    [InlineData(EventDecoder.InvalidEvent, "POST / HTTP/1.1\r\nConnection: close\r\nce-specversion: 1.0\r\nce-id: 1\r\nce-source: /t\r\nce-type: t\r\nce-time: yesterday\r\nContent-Length: 0\r\n\r\n")]
    [InlineData(EventDecoder.InvalidEvent, "POST / HTTP/1.1\r\nConnection: close\r\nce-specversion: 1.0\r\nce-id: 1\r\nce-source: /t\r\nce-type: t\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n{x}")]
    [InlineData(EventDecoder.Batch, "POST / HTTP/1.1\r\nConnection: close\r\nContent-Type: application/cloudevents-batch+json\r\nContent-Length: 2\r\n\r\n[]")]
    [InlineData(EventDecoder.MalformedHttp, "HELLO\r\n\r\n")]
    [InlineData(EventDecoder.MalformedHttp, "POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n")]
    public async Task RunAsync_NotAValidEvent_400AndCountedByKind(string kind, string request)
    {
        await using var sink = await RunningSink.StartAsync(Bounded);

        string answer = await sink.SendRawAsync(request);
        var r = await sink.StopAsync();

        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.Contains(kind, answer, StringComparison.Ordinal);
        Assert.Equal(1, r.Invalid);
        Assert.Equal(1, r.InvalidByKind[kind]);
        Assert.True(r.InvalidExamples.ContainsKey(kind));
        Assert.Equal(0, r.Events);
        Assert.Null(r.Delivery);
        Assert.Equal("interrupted", r.EndedBy);
    }

    [Fact]
    public async Task RunAsync_EventsWithoutAComparableSendTime_AcceptedCountedNotTimed()
    {
        await using var sink = await RunningSink.StartAsync(Bounded);
        string future = (EventClock.NowNs() + 3_600_000_000_000).ToString(CultureInfo.InvariantCulture);
        string now = EventClock.NowNs().ToString(CultureInfo.InvariantCulture);

        string[] answers =
        [
            await sink.SendRawAsync(Events.Binary("untimed")),
            await sink.SendRawAsync(Events.Binary("untimed")), // the same source and id again
            await sink.SendRawAsync(Events.Binary("foreign", $"ce-{EventAttributes.SentNs}: {now}\r\nce-{EventAttributes.Clock}: linux-monotonic:another-host:1\r\n")),
            await sink.SendRawAsync(Events.Binary("future", $"ce-{EventAttributes.SentNs}: {future}\r\n")),
            await sink.SendRawAsync(Events.Structured($$"""{"specversion":"1.0","id":"timed","source":"/test","type":"t","{{EventAttributes.SentNs}}":"{{now}}","{{EventAttributes.Clock}}":"{{EventClock.Domain}}"}""")),
        ];
        var r = await sink.StopAsync();

        Assert.All(answers, a => Assert.StartsWith("HTTP/1.1 202 Accepted\r\n", a, StringComparison.Ordinal));
        Assert.Equal(4, r.Events);
        Assert.Equal(1, r.Duplicates);
        Assert.Equal(1, r.Untimed);
        Assert.Equal(1, r.ForeignClock);
        Assert.Equal(1, r.NegativeLatency);
        Assert.Equal(1, r.Delivery!.N);
        Assert.Equal((3, 1), (r.Binary, r.Structured));
        Assert.Equal(0, r.Invalid);
    }

    [Fact]
    public async Task RunAsync_KeepAliveAndPipelined_EveryRequestAnsweredInOrder()
    {
        await using var sink = await RunningSink.StartAsync(Bounded);
        string KeepAlive(string id) => Events.Binary(id).Replace("Connection: close\r\n", "", StringComparison.Ordinal);

        string answer = await sink.SendRawAsync(KeepAlive("1") + "GET / HTTP/1.1\r\nHost: x\r\n\r\n" + Events.Binary("2"));
        var r = await sink.StopAsync();

        Assert.Matches(new System.Text.RegularExpressions.Regex("^HTTP/1.1 202 Accepted\r\n.*HTTP/1.1 400 .*not a CloudEvent.*HTTP/1.1 202 Accepted\r\n",
            System.Text.RegularExpressions.RegexOptions.Singleline), answer);
        Assert.Equal(2, r.Events);
        Assert.Equal(1, r.Invalid);
    }

    [Fact]
    public async Task RunAsync_CountReached_LaterEventsRejectedWith503()
    {
        await using var sink = await RunningSink.StartAsync(Bounded with { Count = 1 });

        string first = await sink.SendRawAsync(Events.Binary("a"));
        var r = await sink.Run;

        Assert.StartsWith("HTTP/1.1 202 ", first, StringComparison.Ordinal);
        Assert.Equal("count", r.EndedBy);
        Assert.Equal(1, r.Events);
    }

    [Fact]
    public async Task RunAsync_DurationElapses_EndsOnItsOwn()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await using var sink = await RunningSink.StartAsync(Bounded with { Duration = TimeSpan.FromSeconds(30) }, time);
        await sink.SendRawAsync(Events.Binary("a"));

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(sink.Run.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var r = await sink.Run;

        Assert.Equal("duration", r.EndedBy);
        Assert.Equal(1, r.Events);
        Assert.Equal(time.Start, r.StartedUtc);
    }

    [Fact]
    public async Task RunAsync_PortInUse_SaysSo()
    {
        await using var first = await RunningSink.StartAsync(Bounded);

        var e = await Assert.ThrowsAsync<LoadException>(() => new EventSink(Bounded with { Port = first.Endpoint.Port }).RunAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"127.0.0.1:{first.Endpoint.Port} is already in use", e.Message, StringComparison.Ordinal);
    }
}
