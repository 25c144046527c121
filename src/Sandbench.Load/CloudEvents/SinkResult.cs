using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using HdrHistogram;

namespace Sandbench.Load.CloudEvents;

/// <summary>Delivery latency in milliseconds (recorded in nanoseconds, 3 significant digits).</summary>
public sealed record DeliverySummary(long N, double Min, double Mean, double StdDev, double P50, double P90, double P99, double P999, double Max)
{
    public static DeliverySummary? Of(HistogramBase h)
    {
        if (h.TotalCount == 0) return null;
        static double Ms(double ns) => ns / 1_000_000.0;
        return new DeliverySummary(h.TotalCount, Ms(h.LowestEquivalentValue(h.GetValueAtPercentile(0))), Ms(h.GetMean()), Ms(h.GetStdDeviation()),
            Ms(h.GetValueAtPercentile(50)), Ms(h.GetValueAtPercentile(90)), Ms(h.GetValueAtPercentile(99)), Ms(h.GetValueAtPercentile(99.9)), Ms(h.GetMaxValue()));
    }
}

/// <summary>One second of the sink's run (counted from when it started listening): events received in it and their delivery latency (ms).</summary>
public sealed record SinkSecond(int Second, long Events, long Invalid, long Duplicates, double? P50, double? P99);

/// <summary>Counters while the sink runs, for the progress line.</summary>
public sealed record SinkProgress(double ElapsedSeconds, long Events, long Invalid, long Duplicates);

/// <summary>
/// Everything a sink run received. Delivery latency = the time the sink had the whole request minus
/// the send time the sender stamped into the event (<see cref="EventAttributes.SentNs"/>), both on
/// CLOCK_MONOTONIC of this host; only the first delivery of each event (source + id) is timed.
/// </summary>
public sealed record SinkResult
{
    public required string Listen { get; init; }
    public double? DurationLimitSeconds { get; init; }
    public long? CountLimit { get; init; }

    /// <summary>The only type measured (<see cref="SinkOptions.MeasuredType"/>); null: every type.</summary>
    public string? MeasuredType { get; init; }
    public required double ElapsedSeconds { get; init; }

    /// <summary><c>count</c>, <c>duration</c>, <c>stopped</c> (by its owner, e.g. an eventing round) or <c>interrupted</c>.</summary>
    public required string EndedBy { get; init; }
    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>CLOCK_MONOTONIC nanoseconds when the sink started listening (second 0 of <see cref="Seconds"/>).</summary>
    public required long StartedNs { get; init; }

    /// <summary>HTTP requests read, valid or not, of every type.</summary>
    public required long Requests { get; init; }

    /// <summary>Distinct valid events (by source and id) of the measured type (of any type without one), answered 202.</summary>
    public required long Events { get; init; }
    public required long Binary { get; init; }
    public required long Structured { get; init; }

    /// <summary>Requests answered 400: not HTTP, not a CloudEvent, or an event the library rejects.</summary>
    public required long Invalid { get; init; }
    public required IReadOnlyDictionary<string, long> InvalidByKind { get; init; }

    /// <summary>The first problem of each kind, in the library's or the reader's words.</summary>
    public required IReadOnlyDictionary<string, string> InvalidExamples { get; init; }

    /// <summary>Valid events whose source and id were seen before (answered 202, not timed again).</summary>
    public required long Duplicates { get; init; }

    /// <summary>Valid events without a usable send time (no <see cref="EventAttributes.SentNs"/>).</summary>
    public required long Untimed { get; init; }

    /// <summary>Events stamped on another clock (<see cref="EventAttributes.Clock"/> differs: another host, boot or time namespace).</summary>
    public required long ForeignClock { get; init; }

    /// <summary>Events received before their stamped send time: a clock this sink cannot compare with; not timed.</summary>
    public required long NegativeLatency { get; init; }

    /// <summary>Requests that arrived once <see cref="CountLimit"/> was reached (answered 503).</summary>
    public required long Rejected { get; init; }

    /// <summary>Valid events of a type other than <see cref="MeasuredType"/>: answered 202, not in <see cref="Events"/>, not timed, not deduplicated.</summary>
    public long OtherTypes { get; init; }

    /// <summary><see cref="OtherTypes"/> by type (the first 32 types by name, the rest as "(more types)").</summary>
    public IReadOnlyDictionary<string, long> OtherTypesByType { get; init; } = new Dictionary<string, long>();

    /// <summary>Events per second between the first and the last event received.</summary>
    public double? EventsPerSecond { get; init; }
    public DeliverySummary? Delivery { get; init; }
    public string LatencyUnit => "ms";
    public string Resolution => "CLOCK_MONOTONIC nanoseconds on both ends; recorded in ns with 3 significant digits (HdrHistogram); per-second percentiles 2 digits";

    /// <summary>The clock this sink compares send times with (<see cref="EventClock.Domain"/>).</summary>
    public required string Clock { get; init; }
    public required IReadOnlyList<SinkSecond> Seconds { get; init; }

    /// <summary>The delivery latency histogram (ns), <see cref="HistogramCodec"/>-encoded, for the results file; in JSON as <see cref="EncodedDeliveryHistogram"/>.</summary>
    [JsonIgnore]
    public byte[]? DeliveryHistogram { get; init; }

    /// <summary><see cref="DeliveryHistogram"/> in base64: HdrHistogram's V2 compressed encoding, as <see cref="LoadResult.EncodedHistograms"/>.</summary>
    public string? EncodedDeliveryHistogram => DeliveryHistogram is { } h ? Convert.ToBase64String(h) : null;

    private static readonly JsonSerializerOptions Reading = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Reads what <c>sandbench sink --json</c> printed (or a round's <c>sink</c> object), the delivery histogram included.</summary>
    /// <exception cref="JsonException">Not such a document, or a damaged histogram.</exception>
    public static SinkResult FromJson(string json)
    {
        var result = JsonSerializer.Deserialize<SinkResult>(json, Reading) ?? throw new JsonException("the document is null");
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("encodedDeliveryHistogram", out var encoded) || encoded.GetString() is not { } text) return result;
        try
        {
            byte[] bytes = Convert.FromBase64String(text);
            HistogramCodec.Decode(bytes); // refuse damage here rather than when the run is stored
            return result with { DeliveryHistogram = bytes };
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            throw new JsonException($"histogram 'encodedDeliveryHistogram': {e.Message}", e);
        }
    }

    /// <summary>The figures as named samples for the results file: counts, and latencies in nanoseconds.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Samples()
    {
        var s = new List<KeyValuePair<string, double>>
        {
            new("requests", Requests), new("events", Events), new("events_binary", Binary), new("events_structured", Structured),
            new("invalid", Invalid), new("duplicates", Duplicates), new("untimed", Untimed), new("foreign_clock", ForeignClock),
            new("negative_latency", NegativeLatency), new("rejected", Rejected), new("elapsed_ns", ElapsedSeconds * 1e9),
        };
        if (MeasuredType is not null) s.Add(new("other_types", OtherTypes));
        if (EventsPerSecond is { } rate) s.Add(new("events_per_s", rate));
        if (Delivery is { } d)
        {
            foreach (var (name, ms) in new[] { ("min", d.Min), ("mean", d.Mean), ("stddev", d.StdDev), ("p50", d.P50), ("p90", d.P90), ("p99", d.P99), ("p999", d.P999), ("max", d.Max) })
                s.Add(new($"delivery_{name}_ns", Math.Round(ms * 1_000_000)));
        }
        return s;
    }

    /// <summary>The per-second series as (metric, second, value) for the results file; latencies in nanoseconds.</summary>
    public IEnumerable<(string Metric, int Second, double Value)> SeriesPoints()
    {
        foreach (var sec in Seconds.Where(x => x.Events + x.Invalid + x.Duplicates > 0))
        {
            yield return ("events", sec.Second, sec.Events);
            if (sec.Invalid > 0) yield return ("invalid", sec.Second, sec.Invalid);
            if (sec.Duplicates > 0) yield return ("duplicates", sec.Second, sec.Duplicates);
            if (sec.P50 is { } p50) yield return ("delivery_p50_ns", sec.Second, Math.Round(p50 * 1_000_000));
            if (sec.P99 is { } p99) yield return ("delivery_p99_ns", sec.Second, Math.Round(p99 * 1_000_000));
        }
    }

    /// <summary>The settings, as stored with the run.</summary>
    public IReadOnlyDictionary<string, string> Parameters()
    {
        var p = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["listen"] = Listen,
            ["duration_limit_s"] = DurationLimitSeconds?.ToString(CultureInfo.InvariantCulture) ?? "none",
            ["count_limit"] = CountLimit?.ToString(CultureInfo.InvariantCulture) ?? "none",
            ["ended_by"] = EndedBy,
            ["clock"] = Clock,
        };
        if (MeasuredType is { } t) p["measured_type"] = t;
        return p;
    }
}
