using System.Security.Cryptography;
using System.Text;
using Sandbench.Community;
using Sandbench.Core.Host;
using Sandbench.Core.Storage;
using Sandbench.Store;

namespace Sandbench.Cli;

/// <summary>
/// Stores a community collection as a run of its own (plan name <c>community</c>, no trials, one row per repository
/// in <c>community</c>) with the host's environment and the API endpoint, never the token, so collections of
/// different days can be listed, shown and compared.
/// </summary>
internal static class CommunityRecording
{
    public static string Store(SqliteResultStore store, CommunityOutcome outcome, string commandLine, Uri endpoint, HostInfo host, string toolVersion,
        string runId, DateTimeOffset startedUtc, DateTimeOffset finishedUtc)
    {
        var run = new RunInfo(runId, "community", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(commandLine)))[..16], commandLine,
            startedUtc, null, RunStatus.Running, toolVersion);
        var environment = new Dictionary<string, string>(host.Capture(toolVersion), StringComparer.Ordinal) { ["github_api"] = endpoint.ToString() };
        store.BeginRun(run, environment);
        store.AppendCommunity(runId, outcome.Collected);
        store.FinishRun(runId, outcome.Interrupted ? RunStatus.Interrupted : outcome.Problems.Count > 0 ? RunStatus.Failed : RunStatus.Completed, finishedUtc);
        return runId;
    }
}
