using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;

namespace Sandbench.Load.CloudEvents;

/// <summary>How the route broker → sink was found open (or not).</summary>
public sealed record ProbeResult
{
    /// <summary>Probe events sent to the broker.</summary>
    public required int Attempts { get; init; }

    /// <summary>Probes the broker answered with 2xx; the others are failed attempts (non-2xx, no answer, no connection).</summary>
    public required int Accepted { get; init; }

    /// <summary>The last failed attempt's status line or error; null when every attempt was accepted.</summary>
    public string? LastFailure { get; init; }

    /// <summary>CLOCK_MONOTONIC ns from sending the first probe to the sink receiving one; null when none came back.</summary>
    public long? RouteNs { get; init; }

    public double? RouteMs => RouteNs / 1e6;

    /// <summary>The delivery latency of the probe that came back (received − its own send time), ns.</summary>
    public long? FirstProbeDeliveryNs { get; init; }
}

/// <summary>
/// Sends a probe event to the broker every <see cref="EventingRoundOptions.ProbeInterval"/> (one at a time, each
/// bounded by the request timeout) until the sink reports one back through <see cref="OnArrived"/>, for at most
/// the start timeout. A probe counts only when it carries this round's source and id prefix, so a late probe of
/// an earlier round cannot open the route.
/// </summary>
internal sealed class RouteProbe(EventingRoundOptions options, TimeProvider time)
{
    private static readonly CloudEventAttribute SentAttribute = CloudEventAttribute.CreateExtension(EventAttributes.SentNs, CloudEventAttributeType.String);
    private static readonly CloudEventAttribute ClockAttribute = CloudEventAttribute.CreateExtension(EventAttributes.Clock, CloudEventAttributeType.String);
    private static readonly JsonEventFormatter Formatter = new();
    private static readonly JsonElement Data = ParseData();

    private readonly string _prefix = "probe-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)) + "-";
    private readonly TaskCompletionSource<ArrivedEvent> _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>For <see cref="EventSink.OtherTypeArrived"/>.</summary>
    public void OnArrived(ArrivedEvent e)
    {
        if (e.Type == EventingRoundOptions.ProbeType && e.Source == options.Source && e.Id.StartsWith(_prefix, StringComparison.Ordinal))
            _arrived.TrySetResult(e);
    }

    /// <summary>Probes until one comes back; on cancellation returns what it tried.</summary>
    /// <exception cref="LoadException">None came back within the start timeout.</exception>
    public async Task<ProbeResult> RunAsync(HttpClient http, CancellationToken ct)
    {
        using var limit = new CancellationTokenSource(options.StartTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        int attempts = 0, accepted = 0;
        string? lastFailure = null;
        long firstSentNs = 0;
        try
        {
            while (!_arrived.Task.IsCompleted)
            {
                long begin = time.GetTimestamp();
                long sentNs = EventClock.NowNs();
                if (++attempts == 1) firstSentNs = sentNs;
                if (await SendAsync(http, attempts, sentNs, linked.Token).ConfigureAwait(false) is { } failure) lastFailure = failure;
                else accepted++;
                var wait = EventingRoundOptions.ProbeInterval - time.GetElapsedTime(begin);
                if (wait <= TimeSpan.Zero) continue;
                try
                {
                    await _arrived.Task.WaitAsync(wait, time, linked.Token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // no probe back yet: the next one
                }
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested && !_arrived.Task.IsCompleted)
        {
            if (ct.IsCancellationRequested) return new ProbeResult { Attempts = attempts, Accepted = accepted, LastFailure = lastFailure };
            throw new LoadException(string.Create(CultureInfo.InvariantCulture,
                $"no probe event came back from {options.Broker} within {EventingRoundOptions.Seconds(options.StartTimeout)}: is a Trigger routing source {options.Source} "
                + $"(type {EventingRoundOptions.ProbeType}) to this sink? ({attempts} probes sent, {accepted} accepted with 2xx{(lastFailure is null ? "" : $"; last failure: {lastFailure}")})"));
        }
        var back = await _arrived.Task.ConfigureAwait(false);
        return new ProbeResult
        {
            Attempts = attempts,
            Accepted = accepted,
            LastFailure = lastFailure,
            RouteNs = back.ReceivedNs - firstSentNs,
            FirstProbeDeliveryNs = back.SentNs is { } s && back.ReceivedNs >= s ? back.ReceivedNs - s : null,
        };
    }

    private static JsonElement ParseData()
    {
        using var doc = JsonDocument.Parse(CloudEventOptions.DefaultData);
        return doc.RootElement.Clone();
    }

    /// <summary>One probe; null when the broker answered 2xx, else why not.</summary>
    private async Task<string?> SendAsync(HttpClient http, int attempt, long sentNs, CancellationToken ct)
    {
        var probe = new CloudEvent(CloudEventsSpecVersion.V1_0, [SentAttribute, ClockAttribute])
        {
            Id = _prefix + attempt.ToString(CultureInfo.InvariantCulture),
            Source = new Uri(options.Source, UriKind.RelativeOrAbsolute),
            Type = EventingRoundOptions.ProbeType,
            Time = time.GetUtcNow(),
            DataContentType = "application/json",
            Data = Data,
            [SentAttribute] = sentNs.ToString(CultureInfo.InvariantCulture),
            [ClockAttribute] = EventClock.Domain,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Broker)
        {
            Content = probe.ToHttpContent(options.Mode == CloudEventMode.Binary ? ContentMode.Binary : ContentMode.Structured, Formatter),
        };
        try
        {
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null
                : string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"no answer within {EventingRoundOptions.Seconds(options.Timeout)}";
        }
    }
}
