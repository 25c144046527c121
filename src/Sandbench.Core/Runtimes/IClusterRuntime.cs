using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;

namespace Sandbench.Core.Runtimes;

/// <summary>
/// A runtime whose sandboxes live on a cluster the host does not run (Knative on Kubernetes): it runs the
/// experiments itself, through the cluster's API and its ingress, in place of the host-side experiments,
/// and its trials are stored as any other's.
/// </summary>
public interface IClusterRuntime : IRuntime
{
    /// <summary>Problems that make the section impossible on this runtime (checked before anything starts).</summary>
    IEnumerable<string> Check(ExperimentSpec spec);

    /// <summary>Runs one trial of <see cref="TrialPlan.Spec"/>'s experiment. Never throws for a failed trial.</summary>
    Task<TrialOutcome> RunTrialAsync(TrialContext context, CancellationToken ct);

    /// <summary>
    /// The run ended (finished, failed or interrupted): deletes every object the run created on the cluster.
    /// Returns one line per object it could not delete (empty when all went).
    /// </summary>
    Task<IReadOnlyList<string>> EndRunAsync(string runId);
}
