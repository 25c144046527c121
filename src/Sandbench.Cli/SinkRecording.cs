using System.Security.Cryptography;
using System.Text;
using Sandbench.Core.Host;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Cli;

/// <summary>
/// Stores what a sink received as a run of its own (plan name <c>sink</c>, or <c>eventing</c> for a round, with one
/// <c>eventing</c> trial), with the host's environment, so delivery latencies of different runs can be listed,
/// shown and compared.
/// </summary>
internal static class SinkRecording
{
    public static string Store(IResultStore store, SinkResult result, string? label, string commandLine, HostInfo host, string toolVersion, string runId) =>
        Store(store, "sink", result, result.Parameters(), result.Samples(), result.EndedBy == "interrupted", label, commandLine, host, toolVersion, runId);

    /// <summary>An eventing round: the sink's figures and the sender's (<see cref="EventingRoundResult.Samples"/>) in one trial.</summary>
    public static string Store(IResultStore store, EventingRoundResult round, string? label, string commandLine, HostInfo host, string toolVersion, string runId) =>
        Store(store, "eventing", round.Sink, round.Parameters(), round.Samples(), round.EndedBy == "interrupted", label, commandLine, host, toolVersion, runId);

    private static string Store(IResultStore store, string planName, SinkResult result, IReadOnlyDictionary<string, string> parameters,
        IReadOnlyList<KeyValuePair<string, double>> samples, bool interrupted, string? label, string commandLine, HostInfo host, string toolVersion, string runId)
    {
        var run = new RunInfo(runId, planName, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(commandLine)))[..16], commandLine,
            result.StartedUtc, null, RunStatus.Running, toolVersion);
        var environment = new Dictionary<string, string>(host.Capture(toolVersion), StringComparer.Ordinal) { ["clock"] = result.Clock };
        store.BeginRun(run, environment);
        var stored = new Dictionary<string, string>(parameters, StringComparer.Ordinal);
        if (label is not null) stored["label"] = label;
        var phases = new List<KeyValuePair<string, long>> { new("listening", 0) };
        var trial = new TrialRecord(runId, Eventing.Experiment, "none", "sink", stored, 0, false,
            interrupted ? TrialStatus.Interrupted : TrialStatus.Ok, null,
            "none", 0, result.StartedUtc, result.StartedNs, phases, samples)
        {
            Histograms = result.DeliveryHistogram is { } h ? [new EncodedHistogram("delivery_ns", h)] : [],
            Series = [.. result.SeriesPoints().Select(p => new SeriesPoint(p.Metric, p.Second, p.Value))],
        };
        store.AppendTrial(trial);
        store.FinishRun(runId, interrupted ? RunStatus.Interrupted : RunStatus.Completed, result.StartedUtc + TimeSpan.FromSeconds(result.ElapsedSeconds));
        return runId;
    }
}
