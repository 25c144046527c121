using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;

namespace Sandbench.Core.Experiments;

/// <summary>The end of every trial that started a sandbox: what it last said joins a failure's reason, then it is disposed.</summary>
internal static class Teardown
{
    /// <summary>
    /// Disposes <paramref name="sandbox"/> (when there is one); a failed teardown fails an ok trial and is
    /// added to the reason of any trial. Returns the trial's status and error after that.
    /// </summary>
    public static Task<(TrialStatus Status, string? Error)> EndAsync(ISandbox? sandbox, TrialStatus status, string? error) =>
        EndAsync(sandbox, () => sandbox?.Diagnose() ?? "", status, error);

    /// <summary>The same for anything a trial started and must dispose (a sandbox, or what stands in front of one).</summary>
    public static async Task<(TrialStatus Status, string? Error)> EndAsync(IAsyncDisposable? started, Func<string> diagnose, TrialStatus status, string? error)
    {
        if (started is null) return (status, error);
        if (status != TrialStatus.Ok && diagnose() is { Length: > 0 } said) error += $" [{said}]";
        try
        {
            await started.DisposeAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            status = status == TrialStatus.Ok ? TrialStatus.Failed : status;
            error = (error is null ? "" : error + "; ") + "teardown: " + e.Message;
        }
        return (status, error);
    }
}
