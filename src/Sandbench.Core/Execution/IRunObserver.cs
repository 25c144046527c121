using Sandbench.Core.Experiments;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;

namespace Sandbench.Core.Execution;

/// <summary>Hears what a run does, for progress display. Called on the run's thread.</summary>
public interface IRunObserver
{
    void RuntimeSkipped(RuntimeProbe probe);

    void RunStarted(RunInfo run, int trials);

    void TrialFinished(TrialPlan trial, TrialRecord record);

    /// <summary>A trial that was not run because an earlier one ended its series (a scale ladder broke).</summary>
    void TrialSkipped(TrialPlan trial, string reason)
    {
    }

    /// <summary>Something the run created could not be removed when it ended (a cluster object); the line says what and how to remove it.</summary>
    void CleanupProblem(string line)
    {
    }
}

/// <summary>Options of one run that are not part of the plan.</summary>
/// <param name="Strict">A runtime that is not usable is an error instead of being skipped.</param>
public sealed record RunOptions(bool Strict);

/// <summary>How a run ended.</summary>
public sealed record RunResult(RunInfo Run, int Trials, int Failed, bool Interrupted, IReadOnlyList<RuntimeProbe> Skipped);
