using Sandbench.Core.Storage;

namespace Sandbench.Core.Runtimes;

/// <summary>
/// A cluster runtime that can read its nodes' and the run's pods' CPU and memory (on Kubernetes: the metrics.k8s.io
/// API that metrics-server serves), sampled into the run's host readings while the run goes.
/// </summary>
public interface IClusterMetrics
{
    /// <summary>Runtimes with the same scope read the same cluster and namespace: one of them is sampled.</summary>
    string MetricsScope { get; }

    /// <summary>
    /// The readings now, timed <paramref name="tNs"/>; empty when the cluster serves no metrics API or a read failed
    /// (readings are a side figure: they never fail a run).
    /// </summary>
    Task<IReadOnlyList<HostMetric>> SampleMetricsAsync(string runId, long tNs, CancellationToken ct);
}
