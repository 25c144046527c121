using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;

namespace Sandbench.Core.Stats;

/// <summary>One function of an application flow on one runtime (latencies in ms, at the gateway).</summary>
/// <param name="ColdMs">Over the trials, the latency of the function's first request, which waited for its sandbox to start.</param>
/// <param name="WarmMs">Every request to the function in the measured rounds of the trials, pooled (an entry function's include the functions it calls).</param>
/// <param name="Ratio">Median warm latency here / median warm latency of the same function on the baseline runtime; null without a baseline figure.</param>
public sealed record FlowFunctionResult(string Function, string Runtime, Summary? ColdMs, Summary? WarmMs, double? Ratio);

/// <summary>A whole flow on one runtime: its end-to-end latency per measured round as the client saw it (ms), and the ratio of medians to the baseline.</summary>
public sealed record FlowEndToEnd(string Runtime, Summary? Ms, double? Ratio);

/// <summary>One application flow in a run: each function on each runtime, and the flow end to end.</summary>
/// <param name="Functions">The flow's functions in call order.</param>
/// <param name="Runtimes">The runtimes that ran the flow, in the run's order.</param>
/// <param name="Baseline">The runtime ratios are to (<c>process</c>: no sandbox), or null when the flow has no successful measured trial on it.</param>
/// <param name="Rows">Function by function in call order, each with one row per runtime in <paramref name="Runtimes"/> order.</param>
/// <param name="Failed">Measured trials that did not succeed, per runtime.</param>
public sealed record FlowResult(
    string Flow,
    IReadOnlyList<string> Functions,
    IReadOnlyList<string> Runtimes,
    string? Baseline,
    IReadOnlyList<FlowFunctionResult> Rows,
    IReadOnlyList<FlowEndToEnd> EndToEnd,
    IReadOnlyDictionary<string, int> Failed,
    IReadOnlyList<string> Errors);

/// <summary>Turns stored flow trials into one table per flow. Warm-ups and failed trials never enter it.</summary>
public static class FlowAnalysis
{
    /// <summary>The experiment's name in the trials table.</summary>
    public const string Experiment = "flow";

    /// <summary>The runtime ratios are taken to: a plain process, no sandbox.</summary>
    public const string Native = "process";

    private const string ColdPrefix = FlowMetrics.ColdMetric + ":", WarmPrefix = FlowMetrics.WarmMetric + ":";

    public static IReadOnlyList<FlowResult> Of(IReadOnlyList<TrialRecord> trials) =>
        [.. trials.Where(t => t.Experiment == Experiment)
            .GroupBy(t => t.Workload)
            .Select(Flow)];

    private static FlowResult Flow(IGrouping<string, TrialRecord> flow)
    {
        var runtimes = flow.GroupBy(t => t.Runtime).OrderBy(g => g.Min(t => t.Id)).Select(g => g.Key).ToList();
        var measured = flow.Where(t => !t.Warmup).ToList();
        var ok = measured.Where(t => t.Status == TrialStatus.Ok).ToList();

        // One pass over each trial's samples: values by (runtime, metric), so a run of many rounds is read once.
        var values = new Dictionary<(string Runtime, string Metric), List<double>>();
        var seen = new List<string>();
        foreach (var t in ok)
        {
            foreach (var s in t.Samples)
            {
                if (!s.Key.StartsWith(ColdPrefix, StringComparison.Ordinal) && !s.Key.StartsWith(WarmPrefix, StringComparison.Ordinal) && s.Key != FlowMetrics.FlowMetric)
                    continue;
                if (!values.TryGetValue((t.Runtime, s.Key), out var list))
                {
                    values.Add((t.Runtime, s.Key), list = []);
                    if (s.Key != FlowMetrics.FlowMetric) seen.Add(s.Key[(s.Key.IndexOf(':', StringComparison.Ordinal) + 1)..]);
                }
                list.Add(s.Value / 1e6);
            }
        }
        // Call order as the trials stored it; a function that has samples but is not listed (it should not happen) comes after.
        var functions = flow.Select(t => t.Parameters.GetValueOrDefault(FlowMetrics.FunctionsParameter)).FirstOrDefault(p => !string.IsNullOrEmpty(p)) is { } listed
            ? listed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList()
            : [];
        functions = [.. functions.Concat(seen).Distinct(StringComparer.Ordinal)];

        Summary? Of(string runtime, string metric) => values.TryGetValue((runtime, metric), out var v) ? Summary.Of(v) : null;
        string? baseline = ok.Any(t => t.Runtime == Native) ? Native : null;
        double? Ratio(Summary? here, Summary? native) => here is not null && native is { P50: > 0 } ? here.P50 / native.P50 : null;

        var rows = functions.SelectMany(f =>
        {
            var native = baseline is null ? null : Of(baseline, WarmPrefix + f);
            return runtimes.Select(rt =>
            {
                var warm = Of(rt, WarmPrefix + f);
                return new FlowFunctionResult(f, rt, Of(rt, ColdPrefix + f), warm, Ratio(warm, native));
            });
        }).ToList();
        var nativeFlow = baseline is null ? null : Of(baseline, FlowMetrics.FlowMetric);
        var endToEnd = runtimes.Select(rt =>
        {
            var ms = Of(rt, FlowMetrics.FlowMetric);
            return new FlowEndToEnd(rt, ms, Ratio(ms, nativeFlow));
        }).ToList();
        return new FlowResult(flow.Key, functions, runtimes, baseline, rows, endToEnd,
            runtimes.ToDictionary(rt => rt, rt => measured.Count(t => t.Runtime == rt && t.Status != TrialStatus.Ok), StringComparer.Ordinal),
            [.. measured.Where(t => t.Error is not null).Select(t => $"{t.Runtime}: {t.Error}").Distinct().Take(5)]);
    }
}
