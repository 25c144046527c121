using Sandbench.Core.Storage;

namespace Sandbench.Core.Stats;

/// <summary>
/// One service behind the gateway over a run. Latency is the gateway's time to first byte: the request's
/// arrival to the sandbox's response head reaching the gateway (ms), over requests answered 2xx/3xx by a sandbox.
/// </summary>
/// <param name="Failed">Requests that got no answer from a sandbox, or an error status from the gateway.</param>
/// <param name="Cold">Requests that waited for a sandbox to start.</param>
/// <param name="ColdWaitMs">Of cold requests: arrival to the sandbox being ready.</param>
/// <param name="FailedStarts">Sandboxes that never became ready.</param>
/// <param name="PeakSandboxes">Most sandboxes alive at once (from their start and stop times).</param>
public sealed record GatewayResult(
    string Service,
    string Runtimes,
    int Requests,
    int Failed,
    int Cold,
    int Warm,
    Summary? ColdMs,
    Summary? WarmMs,
    Summary? ColdWaitMs,
    int SandboxesStarted,
    int FailedStarts,
    int PeakSandboxes,
    string Readiness,
    IReadOnlyList<string> Errors);

public static class GatewayAnalysis
{
    public static IReadOnlyList<GatewayResult> Of(IReadOnlyList<GatewayRequestRecord> requests, IReadOnlyList<GatewaySandboxRecord> sandboxes)
    {
        var services = requests.Select(r => r.Service).Concat(sandboxes.Select(s => s.Service)).Distinct().Order(StringComparer.Ordinal);
        return [.. services.Select(service =>
        {
            var reqs = requests.Where(r => r.Service == service).ToList();
            var sbs = sandboxes.Where(s => s.Service == service).ToList();
            var ok = reqs.Where(r => r.Sandbox is not null && r.UpstreamNs is not null && r.Status is >= 200 and < 400).ToList();
            static double Ms(long ns) => ns / 1e6;
            static long Ttfb(GatewayRequestRecord r) => r.WaitNs + r.UpstreamNs!.Value;
            var cold = ok.Where(r => r.Cold).ToList();
            var warm = ok.Where(r => !r.Cold).ToList();
            return new GatewayResult(
                service.Length == 0 ? "(no service)" : service,
                string.Join(", ", sbs.Select(s => s.Runtime).Distinct()),
                reqs.Count, reqs.Count - ok.Count, cold.Count, warm.Count,
                Summary.Of([.. cold.Select(r => Ms(Ttfb(r)))]), Summary.Of([.. warm.Select(r => Ms(Ttfb(r)))]),
                Summary.Of([.. cold.Select(r => Ms(r.WaitNs))]),
                sbs.Count, sbs.Count(s => s.ReadyNs is null), Peak(sbs),
                string.Join(", ", sbs.GroupBy(s => s.Readiness).Select(g =>
                    g.Max(s => s.ReadinessResolutionNs) is > 0 and var worst ? $"{g.Key} (≤{worst / 1000.0:0.#} µs)" : g.Key)),
                [.. reqs.Where(r => r.Error is not null).Select(r => r.Error!).Concat(sbs.Where(s => s.Error is not null).Select(s => s.Error!)).Distinct().Take(3)]);
        })];
    }

    /// <summary>Most sandboxes alive ([start, stop) open) at once.</summary>
    public static int Peak(IReadOnlyList<GatewaySandboxRecord> sandboxes) =>
        Open(sandboxes.Select(s => (s.StartNs, s.StoppedNs))).Select(e => e.Open).DefaultIfEmpty(0).Max();

    /// <summary>
    /// How many of the [from, to) intervals are open after each start and end, in time order (an end before a start
    /// at the same instant, so touching intervals do not count as overlapping).
    /// </summary>
    public static IReadOnlyList<(long T, int Open)> Open(IEnumerable<(long From, long To)> intervals)
    {
        var events = intervals.SelectMany(x => new[] { (T: x.From, D: 1), (T: x.To, D: -1) }).OrderBy(e => e.T).ThenBy(e => e.D);
        var steps = new List<(long T, int Open)>();
        int open = 0;
        foreach (var (t, d) in events) steps.Add((t, open += d));
        return steps;
    }
}
