using System.Globalization;
using HdrHistogram;
using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;
using Sandbench.Load;

namespace Sandbench.Core.Stats;

/// <summary>Warm-latency figures of one runtime × workload × load point (rate or concurrency) in a run.</summary>
/// <param name="Mode"><c>open</c> (a target rate) or <c>closed</c> (a concurrency).</param>
/// <param name="N">Measured trials that succeeded; the latency figures pool all their requests.</param>
/// <param name="AchievedRate">Mean over those trials of completed responses per second of the window.</param>
/// <param name="Corrected">Latency from each request's due time, pooled over the trials' merged histograms (ms).</param>
/// <param name="Uncorrected">Latency from each request's actual send, pooled (ms).</param>
/// <param name="TrialP99Ms">The spread between trials: statistics of each trial's own corrected p99.</param>
/// <param name="CpuCores">Mean CPU the target's processes used during the window, in cores.</param>
public sealed record WarmResult(
    string Runtime,
    string Workload,
    string Mode,
    double? TargetRate,
    int? Concurrency,
    int N,
    double? AchievedRate,
    LatencyPercentiles? Corrected,
    LatencyPercentiles? Uncorrected,
    LatencyPercentiles? Ttfb,
    Summary? TrialP99Ms,
    long Completed,
    long Errors,
    long Late,
    long Dropped,
    double? RssPeakMiB,
    double? CpuCores,
    int Failed,
    int Warmups,
    IReadOnlyList<string> FailureReasons)
{
    /// <summary>In-function durations the workload reported per response, pooled (ms); null when it reported none.</summary>
    public LatencyPercentiles? Function { get; init; }

    /// <summary>
    /// Per response, its time from the send minus its reported in-function duration, pooled (ms): the percentiles of
    /// the per-request differences, not differences of percentiles.
    /// </summary>
    public LatencyPercentiles? Overhead { get; init; }
}

/// <summary>Percentiles of a pooled latency distribution in milliseconds (recorded in µs, 3 significant digits).</summary>
public sealed record LatencyPercentiles(long N, double Mean, double P50, double P90, double P99, double P999, double Max)
{
    public static LatencyPercentiles? Of(LongHistogram? h) => h is null || h.TotalCount == 0 ? null
        : new(h.TotalCount, h.GetMean() / 1000, h.GetValueAtPercentile(50) / 1000.0, h.GetValueAtPercentile(90) / 1000.0,
            h.GetValueAtPercentile(99) / 1000.0, h.GetValueAtPercentile(99.9) / 1000.0, h.GetMaxValue() / 1000.0);
}

public static partial class RunAnalysis
{
    /// <summary>
    /// One row per runtime × workload × rate (or concurrency), in the order the run first met them. Latency
    /// percentiles pool every request of the successful measured trials (their histograms merged), so a
    /// trial with more requests weighs more, as one long run would; <see cref="WarmResult.TrialP99Ms"/> shows
    /// how far the trials differ.
    /// </summary>
    /// <param name="histograms">The encoded histograms of a trial (from the store).</param>
    public static IReadOnlyList<WarmResult> Warm(IReadOnlyList<TrialRecord> trials, Func<long, IReadOnlyList<EncodedHistogram>> histograms) =>
        [.. WarmGroups(trials)
            .Select(g =>
            {
                var (measured, ok) = (g.Measured, g.Ok);
                LongHistogram? corrected = null, uncorrected = null, ttfb = null, function = null, overhead = null;
                foreach (var t in ok)
                    foreach (var h in histograms(t.Id))
                    {
                        var decoded = HistogramCodec.Decode(h.Data);
                        switch (h.Metric)
                        {
                            case WarmExperiment.CorrectedHistogram: corrected = Merge(corrected, decoded); break;
                            case WarmExperiment.UncorrectedHistogram: uncorrected = Merge(uncorrected, decoded); break;
                            case WarmExperiment.TtfbHistogram: ttfb = Merge(ttfb, decoded); break;
                            case WarmExperiment.FunctionHistogram: function = Merge(function, decoded); break;
                            case WarmExperiment.OverheadHistogram: overhead = Merge(overhead, decoded); break;
                        }
                    }
                double? Mean(string metric) => ok.Values(metric) is { Count: > 0 } v ? v.Average() : null;
                long Sum(string metric) => (long)ok.Sum(t => t.Sample(metric) ?? 0);
                double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                return new WarmResult(g.Runtime, g.Workload, g.Mode,
                    g.Mode == "open" && g.Point.Length > 0 ? Number(g.Point) : null,
                    g.Mode == "closed" && g.Point.Length > 0 ? (int)Number(g.Point) : null,
                    ok.Count, Mean(WarmExperiment.AchievedRateMetric),
                    LatencyPercentiles.Of(corrected), LatencyPercentiles.Of(uncorrected), LatencyPercentiles.Of(ttfb),
                    Summary.Of(ok.Values("corrected_p99_ns"))?.Scale(1e-6),
                    Sum("completed"), Sum("errors"), Sum("late"), Sum("dropped"),
                    ok.Values(BootExperiment.RssPeakMetric) is { Count: > 0 } rss ? rss.Max() / (1 << 20) : null,
                    Mean("cpu_cores"),
                    measured.Count - ok.Count, g.Warmups,
                    [.. measured.Where(t => t.Error is not null).Select(t => t.Error!).Distinct().Take(3)])
                {
                    Function = LatencyPercentiles.Of(function),
                    Overhead = LatencyPercentiles.Of(overhead),
                };
            })];

    /// <summary>The warm rows' trials: per runtime × workload × load point, in the order the run first met them.</summary>
    private sealed record WarmGroup(string Runtime, string Workload, string Mode, string Point, List<TrialRecord> Measured, List<TrialRecord> Ok, int Warmups);

    private static IEnumerable<WarmGroup> WarmGroups(IReadOnlyList<TrialRecord> trials) =>
        trials.Where(t => t.Experiment == "warm")
            .GroupBy(t => (t.Runtime, t.Workload, Mode: t.Parameters.GetValueOrDefault("mode") ?? "open",
                Point: t.Parameters.GetValueOrDefault("rate") ?? t.Parameters.GetValueOrDefault("concurrency") ?? ""))
            .OrderBy(g => g.Min(t => t.Id))
            .Select(g =>
            {
                var measured = g.Where(t => !t.Warmup).ToList();
                return new WarmGroup(g.Key.Runtime, g.Key.Workload, g.Key.Mode, g.Key.Point, measured,
                    measured.Where(t => t.Status == TrialStatus.Ok && t.Sample("completed") is not null).ToList(), g.Count(t => t.Warmup));
            });

    /// <summary>
    /// The pooled histogram of <paramref name="metric"/> behind each row of <see cref="Warm"/> (same order, same
    /// trials, same merge), for figures that draw a whole distribution; null where no trial stored one.
    /// </summary>
    public static IReadOnlyList<LongHistogram?> WarmHistograms(IReadOnlyList<TrialRecord> trials, Func<long, IReadOnlyList<EncodedHistogram>> histograms, string metric) =>
        [.. WarmGroups(trials).Select(g =>
        {
            LongHistogram? pooled = null;
            foreach (var t in g.Ok)
                foreach (var h in histograms(t.Id).Where(h => h.Metric == metric))
                    pooled = Merge(pooled, HistogramCodec.Decode(h.Data));
            return pooled;
        })];

    /// <summary>The successful measured trials behind each row of <see cref="Warm"/> (same order).</summary>
    public static IReadOnlyList<IReadOnlyList<TrialRecord>> WarmTrials(IReadOnlyList<TrialRecord> trials) =>
        [.. WarmGroups(trials).Select(g => (IReadOnlyList<TrialRecord>)g.Ok)];

    private static LongHistogram Merge(LongHistogram? into, LongHistogram h)
    {
        if (into is null) return h;
        // Add needs room for the other's values; both come from the same generator settings, so they match.
        into.Add(h);
        return into;
    }
}
