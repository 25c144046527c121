using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;

namespace Sandbench.Core.Experiments;

/// <summary>
/// CloudEvents through a cluster's broker to a sink (seed 002's eventing): only runtimes that run their trials on a
/// cluster (<see cref="IClusterRuntime"/>, kind knative) take it; they run it themselves. On this host the same
/// measurement is <c>sandbench eventing URL</c> against a broker, or <c>sandbench load --cloudevents</c> into
/// <c>sandbench sink</c>.
/// </summary>
public sealed class EventingExperiment : IExperiment
{
    public string Name => Stats.Eventing.Experiment;

    public IEnumerable<string> Check(ExperimentSpec spec, IRuntime runtime)
    {
        // A cluster runtime checks the section itself (IClusterRuntime.Check): only local runtimes reach here.
        yield return $"{runtime.Profile.Name}: experiment 'eventing' sends CloudEvents through a cluster's broker and runs on knative runtimes only; "
            + "on this host, 'sandbench eventing URL' measures a broker at URL, and 'sandbench load --cloudevents' into 'sandbench sink' a direct path";
    }

    public Task<TrialOutcome> RunAsync(TrialContext context, CancellationToken ct) =>
        throw new InvalidOperationException("eventing runs on cluster runtimes only (IClusterRuntime.RunTrialAsync)");
}
