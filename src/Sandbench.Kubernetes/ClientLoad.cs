using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Load;

namespace Sandbench.Kubernetes;

/// <summary>
/// A cluster runtime's warm load from this process: the warm-up, then the measured load at the trial's rate (open loop)
/// or concurrency, through the cluster's entry point (Knative's ingress, the OpenFaaS gateway); and the result as a trial stores it.
/// </summary>
internal static class ClientLoad
{
    /// <param name="url">Where requests go (the entry point's address and the function's path).</param>
    /// <param name="host">The Host every request carries (Knative routes by it); null: the URL's own.</param>
    public static async Task<LoadResult> RunAsync(Uri url, string? host, TrialContext c, PhaseClock phases, List<KeyValuePair<string, double>> samples,
        CancellationToken ct)
    {
        var spec = c.Trial.Spec;
        var load = spec.Load ?? throw new InvalidOperationException("a warm trial without a load section");
        LoadOptions Options(TimeSpan d) => new()
        {
            Target = url,
            Rate = c.Trial.Rate,
            Duration = d,
            Connections = load.Connections,
            Timeout = spec.Timeout,
            Headers = host is null ? [] : [new("Host", host)],
        };
        if (load.WarmupDuration > TimeSpan.Zero)
        {
            phases.Mark(WarmExperiment.WarmupStart);
            var warm = await new LoadGenerator(Options(load.WarmupDuration)).RunAsync(ct).ConfigureAwait(false);
            samples.Add(new("warmup_completed", warm.Completed));
            samples.Add(new("warmup_errors", warm.Errors));
            ct.ThrowIfCancellationRequested();
        }
        phases.Mark(WarmExperiment.LoadStart);
        var result = await new LoadGenerator(Options(load.Duration)).RunAsync(ct).ConfigureAwait(false);
        phases.Mark(WarmExperiment.LoadEnd);
        return result;
    }

    /// <summary>The load's figures, histograms and seconds into the trial's lists; false when no request was answered.</summary>
    /// <exception cref="OperationCanceledException">The load was interrupted.</exception>
    public static bool Record(LoadResult result, List<KeyValuePair<string, double>> samples, List<EncodedHistogram> histograms,
        out IReadOnlyList<LoadSecond> seconds, CancellationToken ct)
    {
        if (result.Interrupted) throw new OperationCanceledException(ct);
        samples.AddRange(WarmExperiment.Figures(result));
        histograms.AddRange(WarmExperiment.Encoded(result));
        seconds = [.. result.Seconds.Select(s => new LoadSecond(s.Second, s.Completed, s.Errors, s.Late, s.Dropped, Ns(s.P50), Ns(s.P99)))];
        return result.Completed > 0;
    }

    /// <summary>A warm trial's outcome: phases from <paramref name="origin"/>; histograms and seconds only when it is ok.</summary>
    public static TrialOutcome Outcome(TrialStatus status, string? error, PhaseClock phases, long origin, List<KeyValuePair<string, double>> samples,
        Dictionary<string, string> parameters, List<EncodedHistogram> histograms, IReadOnlyList<LoadSecond> seconds)
    {
        phases.Mark(Phases.Done);
        var relative = phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - origin)).ToList();
        return new TrialOutcome(status, error, "http-answer", 0, relative, samples, parameters)
        {
            OriginNs = origin,
            Histograms = status == TrialStatus.Ok ? histograms : [],
            Seconds = status == TrialStatus.Ok ? seconds : [],
        };
    }

    private static long? Ns(double? ms) => ms is { } v ? (long)Math.Round(v * 1_000_000) : null;
}
