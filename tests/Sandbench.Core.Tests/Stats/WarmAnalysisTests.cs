using HdrHistogram;
using Sandbench.Core.Experiments;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using Sandbench.Load;

namespace Sandbench.Core.Tests.Stats;

public sealed class WarmAnalysisTests
{
    private static readonly DateTimeOffset Started = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly Dictionary<long, IReadOnlyList<EncodedHistogram>> _histograms = [];
    private long _nextId = 1;

    /// <summary>A stored warm trial whose corrected latency is <paramref name="countPerMicros"/> (value µs → count).</summary>
    private TrialRecord Trial(string runtime, string rate, (long Micros, long Count)[] countPerMicros, bool warmup = false,
        TrialStatus status = TrialStatus.Ok, double achieved = 100, double errors = 0)
    {
        var h = new LongHistogram(1, 3_600_000_000, 3);
        foreach (var (v, n) in countPerMicros) h.RecordValueWithCount(v, n);
        long id = _nextId++;
        _histograms[id] = [new(WarmExperiment.CorrectedHistogram, HistogramCodec.Encode(h)), new(WarmExperiment.UncorrectedHistogram, HistogramCodec.Encode(h))];
        var samples = new List<KeyValuePair<string, double>>
        {
            new("completed", h.TotalCount), new("errors", errors), new("late", 1), new("dropped", 0),
            new(WarmExperiment.AchievedRateMetric, achieved), new("corrected_p99_ns", h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(99) * 1000.0),
        };
        return new TrialRecord("run1", "warm", runtime, "hello", new Dictionary<string, string> { ["mode"] = "open", ["rate"] = rate },
            0, warmup, status, status == TrialStatus.Ok ? null : "the container's process exited during the load", "http-answer", 0, Started, 0,
            [], status == TrialStatus.Ok ? samples : [])
        { Id = id };
    }

    [Fact]
    public void Warm_TwoTrialsOfARate_PercentilesOfAllTheirRequestsPooled()
    {
        TrialRecord[] trials =
        [
            Trial("runc", "100", [(1_000, 99), (100_000, 1)], warmup: true), // warm-up: left out
            Trial("runc", "100", [(1_000, 90)], achieved: 99),
            Trial("runc", "100", [(2_000, 97), (50_000, 3)], achieved: 101, errors: 3),
            Trial("runc", "100", [], status: TrialStatus.Failed),
            Trial("runc", "1000", [(300, 10)]),
        ];

        var rows = RunAnalysis.Warm(trials, id => _histograms[id]);

        Assert.Equal([100.0, 1000.0], rows.Select(r => r.TargetRate!.Value));
        var r = rows[0];
        Assert.Equal(2, r.N);
        Assert.Equal(1, r.Failed);
        Assert.Equal(1, r.Warmups);
        Assert.Equal(100, r.AchievedRate);
        Assert.Equal(190, r.Corrected!.N);
        // 90 requests at 1 ms, 97 at 2 ms, 3 at 50 ms: p50 is the 95th value (2 ms), p99 the 189th (50 ms); a median of the trials' own would not say so.
        Assert.Equal(2.0, r.Corrected.P50, 2);
        Assert.Equal(50.0, r.Corrected.P99, 1);
        Assert.Equal(3, r.Errors);
        Assert.Equal(2, r.Late);
        Assert.Equal(190, r.Completed);
        Assert.Equal(2, r.TrialP99Ms!.N);
        Assert.Equal(["the container's process exited during the load"], r.FailureReasons);
    }
}
