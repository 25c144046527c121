using Sandbench.Core.Storage;

namespace Sandbench.Core.Stats;

/// <summary>
/// What one CloudEvents sink trial received, from its stored samples; latencies in milliseconds. An eventing round
/// (<c>sandbench eventing</c>) also stored what the broker accepted and what was lost; a plain sink run has neither.
/// </summary>
public sealed record EventingResult(
    string Label,
    string EndedBy,
    long Events,
    long Invalid,
    long Duplicates,
    long Untimed,
    long ForeignClock,
    long NegativeLatency,
    double? EventsPerSecond,
    double? MinMs,
    double? MeanMs,
    double? P50Ms,
    double? P90Ms,
    double? P99Ms,
    double? P999Ms,
    double? MaxMs,
    long? Accepted = null,
    long? Lost = null);

/// <summary>The eventing trials of a run (<c>sandbench sink</c>, <c>sandbench eventing</c>): one row each, in the order stored.</summary>
public static class Eventing
{
    public const string Experiment = "eventing";

    public static IReadOnlyList<EventingResult> Of(IReadOnlyList<TrialRecord> trials) =>
        [.. trials.Where(t => t.Experiment == Experiment).Select(t =>
        {
            long Count(string m) => (long)(t.Sample(m) ?? 0);
            double? Ms(string m) => t.Sample($"delivery_{m}_ns") is { } ns ? ns / 1e6 : null;
            return new EventingResult(t.Parameters.GetValueOrDefault("label", ""), t.Parameters.GetValueOrDefault("ended_by", "?"),
                Count("events"), Count("invalid"), Count("duplicates"), Count("untimed"), Count("foreign_clock"), Count("negative_latency"),
                t.Sample("events_per_s"), Ms("min"), Ms("mean"), Ms("p50"), Ms("p90"), Ms("p99"), Ms("p999"), Ms("max"),
                (long?)t.Sample("accepted"), (long?)t.Sample("lost"));
        })];
}
