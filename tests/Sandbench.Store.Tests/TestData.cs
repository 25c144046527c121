using Sandbench.Core.Storage;

namespace Sandbench.Store.Tests;

/// <summary>Builders for records with sensible defaults.</summary>
internal static class TestData
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static RunInfo Run(string id, DateTimeOffset? started = null) => new(
        Id: id,
        PlanName: "cold-start",
        PlanHash: "sha256:0123",
        PlanText: "name: cold-start\nexperiments: []\n",
        StartedUtc: started ?? T0,
        FinishedUtc: null,
        Status: RunStatus.Running,
        ToolVersion: "0.1.0");

    public static TrialRecord Trial(
        string runId,
        int iteration = 0,
        TrialStatus status = TrialStatus.Ok,
        bool warmup = false,
        IReadOnlyList<KeyValuePair<string, long>>? phases = null,
        IReadOnlyList<KeyValuePair<string, double>>? samples = null) => new(
        RunId: runId,
        Experiment: "hello",
        Runtime: "runc",
        Workload: "hello-c",
        Parameters: new Dictionary<string, string> { ["memory"] = "128m", ["cpus"] = "1" },
        Iteration: iteration,
        Warmup: warmup,
        Status: status,
        Error: status == TrialStatus.Ok ? null : "exit code 1",
        Readiness: "stdout-line",
        ReadinessResolutionNs: 0,
        StartedUtc: T0.AddSeconds(iteration),
        OriginNs: 1_000_000_000L + iteration,
        Phases: phases ?? [new("spawn", 0), new("ready", 5_000_000)],
        Samples: samples ?? [new("ready_ns", 5_000_000d)]);

    public static KeyValuePair<string, long> Phase(string name, long tNs) => new(name, tNs);

    public static KeyValuePair<string, double> Sample(string metric, double value) => new(metric, value);
}
