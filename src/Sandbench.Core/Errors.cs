namespace Sandbench.Core;

/// <summary>Process exit codes; each means one thing.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>An unexpected internal error.</summary>
    public const int InternalError = 1;
    /// <summary>Bad command line or plan: nothing was started.</summary>
    public const int BadInput = 2;
    /// <summary>A runtime the plan needs is not usable here (only with --strict).</summary>
    public const int RuntimeUnavailable = 3;
    /// <summary>The run finished but some measured trials failed (see <c>sandbench show</c>).</summary>
    public const int TrialsFailed = 4;
    /// <summary><c>sandbench compare</c> found a significant change for the worse beyond the threshold.</summary>
    public const int Regression = 5;
    /// <summary><c>sandbench community</c>: some repositories could not be collected (missing, token refused, GitHub unreachable); the others are stored.</summary>
    public const int CollectionFailed = 6;
    /// <summary>Interrupted by SIGINT/SIGTERM; finished trials are kept.</summary>
    public const int Interrupted = 130;
}

/// <summary>A user-facing error: one or more lines, each a complete problem with a hint where one helps.</summary>
public class SandbenchException(IReadOnlyList<string> problems, int exitCode = ExitCodes.BadInput)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public SandbenchException(string problem, int exitCode = ExitCodes.BadInput) : this([problem], exitCode) { }

    public IReadOnlyList<string> Problems { get; } = problems;
    public int ExitCode { get; } = exitCode;
}
