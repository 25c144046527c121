using System.Security.Cryptography;
using System.Text;
using Sandbench.Core.Host;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Cli;

/// <summary>
/// Stores what a sink received as a run of its own (plan name <c>sink</c>, one <c>eventing</c> trial),
/// with the host's environment, so delivery latencies of different runs can be listed, shown and compared.
/// </summary>
internal static class SinkRecording
{
    public static string Store(IResultStore store, SinkResult result, string? label, string commandLine, HostInfo host, string toolVersion, string runId)
    {
        var run = new RunInfo(runId, "sink", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(commandLine)))[..16], commandLine,
            result.StartedUtc, null, RunStatus.Running, toolVersion);
        var environment = new Dictionary<string, string>(host.Capture(toolVersion), StringComparer.Ordinal) { ["clock"] = result.Clock };
        store.BeginRun(run, environment);
        var parameters = new Dictionary<string, string>(result.Parameters(), StringComparer.Ordinal);
        if (label is not null) parameters["label"] = label;
        var phases = new List<KeyValuePair<string, long>> { new("listening", 0) };
        var trial = new TrialRecord(runId, Eventing.Experiment, "none", "sink", parameters, 0, false,
            result.EndedBy == "interrupted" ? TrialStatus.Interrupted : TrialStatus.Ok, null,
            "none", 0, result.StartedUtc, result.StartedNs, phases, result.Samples())
        {
            Histograms = result.DeliveryHistogram is { } h ? [new EncodedHistogram("delivery_ns", h)] : [],
            Series = [.. result.SeriesPoints().Select(p => new SeriesPoint(p.Metric, p.Second, p.Value))],
        };
        store.AppendTrial(trial);
        store.FinishRun(runId, result.EndedBy == "interrupted" ? RunStatus.Interrupted : RunStatus.Completed,
            result.StartedUtc + TimeSpan.FromSeconds(result.ElapsedSeconds));
        return runId;
    }
}
