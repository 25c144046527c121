using Sandbench.Core.Storage;

namespace Sandbench.Core.Experiments;

/// <summary>
/// Why a sandbox of a scale step or density run did not answer, in the categories that tell a limit of the
/// host from a fault of the runtime: running out of memory, PIDs, ports or file descriptors shows up in the
/// error text of whatever failed (the kernel's errno, a runtime's message), so it is read from there.
/// </summary>
public static class FailureReasons
{
    public const string Timeout = "timeout";
    public const string Memory = "out-of-memory";
    public const string Pids = "pids";
    public const string Ports = "ports";
    public const string Files = "files";
    public const string Exited = "exited";
    public const string Response = "bad-response";
    public const string Spawn = "spawn-error";
    public const string Interrupted = "interrupted";

    /// <summary>The categories in the order tables list them.</summary>
    public static IReadOnlyList<string> All => Order;

    private static readonly string[] Order = [Timeout, Memory, Pids, Ports, Files, Exited, Response, Spawn, Interrupted];

    // Lower-case fragments of the messages each limit produces: strerror texts (as .NET and Go print them),
    // Go's runtime and runc/runsc wordings, and Sandbench's own refusal at the memory floor.
    private static readonly (string Reason, string[] Fragments)[] Texts =
    [
        (Memory, ["cannot allocate memory", "out of memory", "enomem", "oom-kill", "oom killer", "memavailable"]),
        (Pids, ["resource temporarily unavailable", "eagain", "pids.max", "too many processes", "failed to create new os thread",
            "newosproc", "pthread_create", "pid_max"]),
        (Ports, ["address already in use", "cannot assign requested address", "eaddrinuse", "eaddrnotavail", "no free port"]),
        (Files, ["too many open files", "emfile", "enfile"]),
    ];

    /// <summary>The category of a sandbox that did not answer, from its status and error text.</summary>
    public static string Classify(TrialStatus status, string? error)
    {
        if (status == TrialStatus.Interrupted) return Interrupted;
        string text = (error ?? "").ToLowerInvariant();
        foreach (var (reason, fragments) in Texts)
            if (fragments.Any(f => text.Contains(f, StringComparison.Ordinal))) return reason;
        if (status == TrialStatus.Timeout || text.Contains("did not finish within", StringComparison.Ordinal)) return Timeout;
        if (text.Contains("unexpected response", StringComparison.Ordinal) || text.Contains("without a response", StringComparison.Ordinal))
            return Response;
        // "... exited with code 2 before it answered": the sandbox itself ended (a runtime command that exited non-zero is a spawn error).
        if (text.Contains("before it answered", StringComparison.Ordinal) || text.Contains("before it listened", StringComparison.Ordinal)) return Exited;
        return Spawn;
    }

    /// <summary>"timeout ×3, pids ×1 (fork/exec: resource temporarily unavailable)": counts, with the first error text of the most frequent.</summary>
    public static string Describe(IEnumerable<(string Reason, string? Error)> failures)
    {
        var groups = failures.GroupBy(f => f.Reason).OrderByDescending(g => g.Count()).ThenBy(g => Rank(g.Key)).ToList();
        if (groups.Count == 0) return "";
        string counts = string.Join(", ", groups.Select(g => $"{g.Key} ×{g.Count()}"));
        string? first = groups[0].Select(f => f.Error).FirstOrDefault(e => !string.IsNullOrEmpty(e));
        return first is null ? counts : $"{counts} ({Shorten(first)})";
    }

    private static int Rank(string reason) => Array.IndexOf(Order, reason) is var i and >= 0 ? i : Order.Length;

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..157] + "...";
}
