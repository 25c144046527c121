using System.Globalization;
using System.Text.Json;

namespace Sandbench.Load.CloudEvents;

/// <summary>The warm-up load's events: sent, accepted by the broker (2xx), and received back (not measured).</summary>
public sealed record WarmupCounts(long Sent, long Accepted, long Received);

/// <summary>
/// Everything an eventing round measured: how the route was found, the sender's figures (<see cref="Load"/>,
/// coordinated-omission corrected), the sink's (<see cref="Sink"/>: delivery latency broker-in → sink, on the
/// clock both ends share), and what was lost between them.
/// </summary>
public sealed record EventingRoundResult
{
    public required string Broker { get; init; }

    /// <summary>The sink's address as bound (the chosen port when 0 was asked).</summary>
    public required string Listen { get; init; }
    public required string Mode { get; init; }
    public required string Source { get; init; }
    public string MeasuredType => EventingRoundOptions.MeasuredType;
    public string ProbeType => EventingRoundOptions.ProbeType;
    public string WarmupType => EventingRoundOptions.WarmupType;
    public required double Rate { get; init; }
    public required int Connections { get; init; }
    public required double DurationSeconds { get; init; }
    public required double WarmupSeconds { get; init; }
    public required double DrainLimitSeconds { get; init; }
    public required double StartTimeoutSeconds { get; init; }
    public required double TimeoutSeconds { get; init; }
    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>How the drain ended: <c>all-received</c>, <c>drain-timeout</c> or <c>interrupted</c> (at any stage).</summary>
    public required string EndedBy { get; init; }

    /// <summary>Measured events written to the broker.</summary>
    public required long Sent { get; init; }

    /// <summary>Measured events the broker answered with 2xx.</summary>
    public required long Accepted { get; init; }

    /// <summary>Distinct measured events the sink received (<see cref="SinkResult.Events"/>).</summary>
    public required long Received { get; init; }

    /// <summary>max(0, <see cref="Accepted"/> − <see cref="Received"/>): counted by number, not by id.</summary>
    public required long Lost { get; init; }

    /// <summary>max(0, <see cref="Received"/> − <see cref="Accepted"/>): events the broker delivered though its answer to the sender was not a 2xx or never came (e.g. a timeout).</summary>
    public required long ReceivedNotAccepted { get; init; }

    public string Counting => "lost = max(0, accepted - received) and receivedNotAccepted = max(0, received - accepted), by number: the sender counts the broker's 2xx answers, "
        + "the sink distinct measured events (source + id); an event delivered whose answer timed out offsets one lost";

    /// <summary>From the end of the measured load to the end of the drain; null when the load did not run.</summary>
    public double? DrainSeconds { get; init; }

    public required ProbeResult Probe { get; init; }

    /// <summary>Null without a warm-up (or when interrupted before it).</summary>
    public WarmupCounts? Warmup { get; init; }

    /// <summary>The measured load as the generator saw it; null when the round was interrupted before it.</summary>
    public LoadResult? Load { get; init; }
    public required SinkResult Sink { get; init; }

    private static readonly JsonSerializerOptions Writing = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Indented camelCase JSON; the first line is a lone <c>{</c>, the histograms encoded as in <c>load --json</c> and <c>sink --json</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Writing);

    /// <summary>Reads what <see cref="ToJson"/> wrote (or <c>sandbench eventing --json</c> printed), every histogram included.</summary>
    /// <exception cref="JsonException">Not such a document.</exception>
    public static EventingRoundResult FromJson(string json)
    {
        var result = JsonSerializer.Deserialize<EventingRoundResult>(json, Writing) ?? throw new JsonException("the document is null");
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var load = root.TryGetProperty("load", out var l) && l.ValueKind == JsonValueKind.Object ? LoadResult.FromJson(l.GetRawText()) : null;
        return result with { Load = load, Sink = SinkResult.FromJson(root.GetProperty("sink").GetRawText()) };
    }

    /// <summary>The sink's samples and the sender's figures (counts; route time in ns), for the results file.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Samples()
    {
        var s = new List<KeyValuePair<string, double>>(Sink.Samples())
        {
            new("sent", Sent), new("accepted", Accepted), new("lost", Lost), new("received_not_accepted", ReceivedNotAccepted),
            new("probe_attempts", Probe.Attempts),
        };
        if (Probe.RouteNs is { } route) s.Add(new("route_ns", route));
        return s;
    }

    /// <summary>The settings, as stored with the run: the sink's, and the round's (its <c>ended_by</c> replaces the sink's, kept as <c>sink_ended_by</c>).</summary>
    public IReadOnlyDictionary<string, string> Parameters()
    {
        static string F(double v) => v.ToString(CultureInfo.InvariantCulture);
        var p = new SortedDictionary<string, string>(Sink.Parameters().ToDictionary(), StringComparer.Ordinal)
        {
            ["sink_ended_by"] = Sink.EndedBy,
            ["ended_by"] = EndedBy,
            ["broker"] = Broker,
            ["mode"] = Mode,
            ["source"] = Source,
            ["rate"] = F(Rate),
            ["connections"] = Connections.ToString(CultureInfo.InvariantCulture),
            ["duration_s"] = F(DurationSeconds),
            ["warmup_s"] = F(WarmupSeconds),
            ["drain_s"] = F(DrainLimitSeconds),
            ["start_timeout_s"] = F(StartTimeoutSeconds),
            ["timeout_s"] = F(TimeoutSeconds),
        };
        return p;
    }
}
