using Sandbench.Core.Storage;

namespace Sandbench.Report;

/// <summary>Why a figure has nothing to draw, in words a reader can act on.</summary>
internal static class Skips
{
    /// <summary>No successful measured trial of <paramref name="experiment"/>: say whether there were none, or all failed.</summary>
    public static string NoTrials(ReportData data, string experiment, string hint)
    {
        var trials = data.Runs.SelectMany(r => r.TrialsOf(experiment)).ToList();
        if (trials.Count == 0) return $"no {experiment} trials in {Runs(data)} ({hint})";
        int measured = trials.Count(t => !t.Warmup);
        int failed = trials.Count(t => !t.Warmup && t.Status != TrialStatus.Ok);
        return measured == 0
            ? $"{Runs(data)} {(data.MultiRun ? "hold" : "holds")} only warm-up {experiment} trials, which never enter statistics"
            : $"none of the {measured} measured {experiment} trials of {Runs(data)} succeeded ({failed} failed)";
    }

    public static string Runs(ReportData data) =>
        data.MultiRun ? "runs " + string.Join(", ", data.Runs.Select(r => r.Info.Id)) : $"run {data.Runs[0].Info.Id}";
}
