using System.Text.Json;
using System.Text.Json.Serialization;
using HdrHistogram;

namespace Sandbench.Load;

/// <summary>A latency distribution in milliseconds (recorded in microseconds, 3 significant digits).</summary>
public sealed record LatencySummary(long N, double Mean, double StdDev, double P50, double P90, double P99, double P999, double Max)
{
    public static LatencySummary? Of(LongHistogram h)
    {
        if (h.TotalCount == 0) return null;
        static double Ms(double micros) => micros / 1000.0;
        return new LatencySummary(h.TotalCount, Ms(h.GetMean()), Ms(h.GetStdDeviation()), Ms(h.GetValueAtPercentile(50)),
            Ms(h.GetValueAtPercentile(90)), Ms(h.GetValueAtPercentile(99)), Ms(h.GetValueAtPercentile(99.9)), Ms(h.GetMaxValue()));
    }
}

/// <summary>One second of the run: requests completed, failed, late and dropped that were due in it, and their corrected latency (ms).</summary>
public sealed record SecondResult(int Second, long Completed, long Errors, long Late, long Dropped, double? P50, double? P99);

/// <summary>What the events of a <c>--cloudevents</c> run carried: mode, type, source, and the extensions that time them.</summary>
public sealed record CloudEventsSent(string Mode, string Type, string Source, IReadOnlyList<string> Extensions, string Clock);

/// <summary>Counters while the run lasts, for the progress line.</summary>
public sealed record LoadProgress(double ElapsedSeconds, long Sent, long Completed, long Errors, long Late, long Dropped);

/// <summary>
/// Everything a load run measured. Corrected latency counts from the time each request was due
/// (coordinated omission corrected, as wrk2 does); uncorrected from the moment it was actually
/// written. In closed loop a request is due when its connection is ready, so both are the same.
/// </summary>
public sealed record LoadResult
{
    public required string Mode { get; init; }
    public required string Target { get; init; }

    /// <summary>Set when every request was a CloudEvent.</summary>
    public CloudEventsSent? CloudEvents { get; init; }
    public required int Connections { get; init; }
    public double? TargetRate { get; init; }
    public required double DurationSeconds { get; init; }
    public required double ElapsedSeconds { get; init; }
    public required double TimeoutSeconds { get; init; }
    public required bool Interrupted { get; init; }
    public string LatencyUnit => "ms";
    public string Resolution => "recorded in microseconds, 3 significant digits (HdrHistogram); per-second percentiles 2 digits";

    /// <summary>Requests the schedule made due within the duration (open loop).</summary>
    public long? Scheduled { get; init; }
    public required long Sent { get; init; }
    public required long Completed { get; init; }
    public required long Errors { get; init; }

    /// <summary>Due while every connection was busy, so sent after their time (open loop).</summary>
    public required long Late { get; init; }

    /// <summary>Never sent: no connection was free before the timeout, or the run ended first (open loop).</summary>
    public required long Dropped { get; init; }

    /// <summary>Completed responses per second of the configured duration.</summary>
    public required double AchievedRate { get; init; }

    /// <summary>
    /// Closed loop: how the workers waited for their sockets once chosen in the run's first second: 0 = straight into a blocking
    /// epoll_wait, else this many non-blocking polls first (docs/methodology.md); null when not chosen (open loop, a run under ~1.1 s).
    /// </summary>
    public int? PollSpins { get; init; }
    public required long BytesRead { get; init; }

    public LatencySummary? Corrected { get; init; }
    public LatencySummary? Uncorrected { get; init; }
    public LatencySummary? Ttfb { get; init; }

    /// <summary>Generator lag: actual send time minus due time.</summary>
    public LatencySummary? Lag { get; init; }

    /// <summary>
    /// In-function durations the responses reported (header X-Function-Duration-Ns), and per response its time from
    /// the send minus that duration (the overhead outside the function); absent when no response reported one.
    /// </summary>
    public LatencySummary? Function { get; init; }
    public LatencySummary? Overhead { get; init; }

    /// <summary>Responses that reported a function duration longer than their response time here (clocks differ); not in <see cref="Overhead"/>.</summary>
    public long FunctionExceedsResponse { get; init; }
    public required IReadOnlyDictionary<string, long> StatusCodes { get; init; }
    public required IReadOnlyDictionary<string, long> ErrorsByKind { get; init; }
    public required IReadOnlyList<SecondResult> Seconds { get; init; }

    /// <summary>The merged distributions themselves (microseconds), for storing them encoded; in the JSON output as <see cref="EncodedHistograms"/>.</summary>
    [JsonIgnore]
    public LoadHistograms? Histograms { get; init; }

    /// <summary>
    /// The merged distributions, each HdrHistogram's V2 compressed encoding in base64 (what HdrHistogram's own logs hold),
    /// by name: corrected, uncorrected, ttfb, and function and overhead when responses reported durations. Another tool,
    /// or another Sandbench (an in-cluster load Job's output read back), decodes them without loss.
    /// </summary>
    public IReadOnlyDictionary<string, string>? EncodedHistograms => Histograms is not { } h ? null
        : new (string Name, LongHistogram? Histogram)[]
            { ("corrected", h.Corrected), ("uncorrected", h.Uncorrected), ("ttfb", h.Ttfb), ("function", h.Function), ("overhead", h.Overhead) }
        .Where(n => n.Histogram is not null)
        .ToDictionary(n => n.Name, n => Convert.ToBase64String(HistogramCodec.Encode(n.Histogram!)), StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Reading = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Reads what <c>sandbench load --json</c> printed, histograms included.</summary>
    /// <exception cref="JsonException">Not such a document.</exception>
    public static LoadResult FromJson(string json)
    {
        var result = JsonSerializer.Deserialize<LoadResult>(json, Reading) ?? throw new JsonException("the document is null");
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("encodedHistograms", out var encoded) || encoded.ValueKind != JsonValueKind.Object) return result;
        LongHistogram? Read(string name)
        {
            if (!encoded.TryGetProperty(name, out var v) || v.GetString() is not { } text) return null;
            try
            {
                return HistogramCodec.Decode(Convert.FromBase64String(text));
            }
            catch (Exception e) when (e is FormatException or InvalidDataException)
            {
                throw new JsonException($"histogram '{name}': {e.Message}", e);
            }
        }
        var corrected = Read("corrected");
        var uncorrected = Read("uncorrected");
        var ttfb = Read("ttfb");
        if (corrected is null || uncorrected is null || ttfb is null) return result;
        return result with { Histograms = new LoadHistograms(corrected, uncorrected, ttfb) { Function = Read("function"), Overhead = Read("overhead") } };
    }
}

/// <summary>The merged latency histograms of a run, in microseconds (3 significant digits), as recorded.</summary>
public sealed record LoadHistograms(LongHistogram Corrected, LongHistogram Uncorrected, LongHistogram Ttfb)
{
    /// <summary>Reported in-function durations, and response time minus them; null when no response reported one.</summary>
    public LongHistogram? Function { get; init; }
    public LongHistogram? Overhead { get; init; }
}
