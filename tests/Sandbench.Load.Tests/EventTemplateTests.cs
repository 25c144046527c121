using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Load.Tests;

/// <summary>The generator's events: library-encoded once, stamped per request, and read back by the library as what was stamped.</summary>
public sealed class EventTemplateTests
{
    private static LoadOptions Options(CloudEventMode mode, string body = "") => new()
    {
        Target = new Uri("http://127.0.0.1:8080/events?x=1"), Method = "POST", Body = Encoding.UTF8.GetBytes(body),
        CloudEvents = new CloudEventOptions { Mode = mode, Type = "com.example.ping", Source = "urn:sandbench:test" },
    };

    private static async Task<(DecodedEvent Event, HttpRequestData Request)> DecodeAsync(ReadOnlyMemory<byte> bytes)
    {
        var reader = new HttpRequestReader();
        bytes.CopyTo(reader.FreeSpace());
        reader.Advance(bytes.Length);
        Assert.Equal(ReadState.Complete, reader.TryRead(out var request, out _));
        return (await EventDecoder.DecodeAsync(request!), request!);
    }

    [Theory]
    [InlineData(CloudEventMode.Binary)]
    [InlineData(CloudEventMode.Structured)]
    public async Task Next_StampedEvents_DecodeToTheirIdSendTimeAndTime(CloudEventMode mode)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2031, 7, 8, 9, 10, 11, TimeSpan.Zero));
        var template = EventTemplate.Build(Options(mode, """{"n":[1,2,3]}"""), time);
        var source = new EventRequests(template, 3);
        long sentNs = EventClock.NowNs() + 1_234_567_891;

        var (first, request) = await DecodeAsync(source.Next(sentNs).ToArray());
        var (second, _) = await DecodeAsync(source.Next(sentNs + 1000));
        var (later, _) = await DecodeAsync(source.Next(sentNs + 2_500_000_000)); // the date part is written again

        Assert.Null(first.Problem);
        Assert.Equal(mode, first.Mode);
        Assert.Equal(template.IdOf(3, 1), first.Id);
        Assert.Equal(template.IdOf(3, 2), second.Id);
        Assert.Matches("^[0-9a-f]{8}-00003-000000000001$", first.Id);
        Assert.Equal("urn:sandbench:test", first.Source);
        Assert.Equal(sentNs, first.SentNs);
        Assert.Equal(sentNs + 1000, second.SentNs);
        Assert.Equal(EventClock.Domain, first.Clock);
        Assert.Equal(template.WallTimeOf(sentNs), first.Time);
        Assert.Equal(template.WallTimeOf(sentNs + 1000), second.Time);
        Assert.Equal(template.WallTimeOf(sentNs + 2_500_000_000), later.Time);
        // Wall time = the provider's time at Build plus the monotonic time since: at least the 1.234567891 s added above.
        Assert.True(first.Time!.Value - time.GetUtcNow() >= TimeSpan.FromTicks(12_345_678));
        Assert.Equal("/events?x=1", request.Target);
        Assert.Equal("POST", request.Method);
        var ceHeaders = request.Headers.Where(h => h.Key.StartsWith("ce-", StringComparison.Ordinal)).Select(h => h.Key).ToList();
        if (mode == CloudEventMode.Binary)
        {
            Assert.Contains("ce-specversion", ceHeaders);
            Assert.Contains($"ce-{EventAttributes.SentNs}", ceHeaders);
            Assert.Equal("""{"n":[1,2,3]}""", Encoding.UTF8.GetString(request.Body));
        }
        else
        {
            Assert.Empty(ceHeaders);
            Assert.StartsWith("application/cloudevents+json", request.Headers.Single(h => h.Key == "Content-Type").Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Next_TwoConnections_IdsNeverCollide()
    {
        var template = EventTemplate.Build(Options(CloudEventMode.Binary), TimeProvider.System);
        var a = new EventRequests(template, 0);
        var b = new EventRequests(template, 1);

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 100; i++)
        {
            a.Next(i);
            b.Next(i);
            Assert.True(ids.Add(template.IdOf(0, i + 1)));
            Assert.True(ids.Add(template.IdOf(1, i + 1)));
        }
        Assert.NotEqual(EventTemplate.Build(Options(CloudEventMode.Binary), TimeProvider.System).IdPrefix, template.IdPrefix);
    }

    [Fact]
    public void Validate_BadCloudEventOptions_OneProblemEach()
    {
        var options = Options(CloudEventMode.Binary, "not json") with
        {
            Method = "GET",
            Headers = [new("ce-id", "x"), new("Content-Type", "text/plain")],
            CloudEvents = new CloudEventOptions { Type = "", Source = "not a uri" },
        };

        var problems = options.Validate();

        Assert.Equal(6, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("--ce-type", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--ce-source", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("POST", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--body must be JSON", StringComparison.Ordinal));
    }
}
