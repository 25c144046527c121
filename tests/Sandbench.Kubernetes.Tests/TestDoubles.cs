using Sandbench.Core.Execution;
using Sandbench.Core.Experiments;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Workloads;

namespace Sandbench.Kubernetes.Tests;

/// <summary>Workloads for cluster runtimes, which build nothing on this host: every one is /bin/true.</summary>
internal sealed class NoArtifacts : IArtifactProvider
{
    public IReadOnlyList<string> Workloads => ["hello"];
    public Task<Artifact> GetAsync(string workload, CancellationToken ct) =>
        Task.FromResult(new Artifact(workload, "/bin/true", "/", "/bin/true", "none", 0, []));
    public Task<GuestImage> GetGuestImageAsync(string workload, long paddingBytes, CancellationToken ct) => throw new NotSupportedException();
}

/// <summary>A run observer that prints nothing and keeps the clean-up problems.</summary>
internal sealed class Quiet : IRunObserver
{
    public List<string> Cleanup { get; } = [];
    public void RuntimeSkipped(RuntimeProbe probe) { }
    public void RunStarted(RunInfo run, int trials) { }
    public void TrialFinished(TrialPlan trial, TrialRecord record) { }
    public void CleanupProblem(string line) => Cleanup.Add(line);
}
