using System.Text.Json;

namespace Sandbench.Runtimes.Oci;

/// <summary>
/// gVisor keeps a container's state in <c>ROOT/ID_sandbox:ID.state</c> (JSON), where the pid of its gofer is recorded
/// (<c>goferPid</c>). The gofer is no descendant of the sandbox process (both are children of <c>runsc create</c>,
/// which exits), so the memory of a runsc sandbox needs it named here.
/// </summary>
internal static class RunscState
{
    /// <summary>runsc's state directory when no <c>--root</c> is given.</summary>
    public const string DefaultRoot = "/var/run/runsc";

    /// <summary>The gofer's pid of the (root) container <paramref name="id"/>; null when the runtime is not runsc or the file says none.</summary>
    public static int? GoferPid(IReadOnlyList<string> runtime, string id)
    {
        if (Path.GetFileName(runtime[0]) != "runsc") return null;
        string root = Root(runtime);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, $"{id}_sandbox:{id}.state")));
            return doc.RootElement.TryGetProperty("goferPid", out var p) && p.TryGetInt32(out int pid) && pid > 0 ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// runsc takes a lock file beside each container's state file; a create that ended before it saved the state (killed,
    /// or failed) leaves the lock without a state, which 'delete' does not remove.
    /// </summary>
    public static void RemoveLock(IReadOnlyList<string> runtime, string id)
    {
        if (Path.GetFileName(runtime[0]) != "runsc") return;
        string root = Root(runtime);
        string state = Path.Combine(root, $"{id}_sandbox:{id}.state");
        string lockFile = Path.Combine(root, $"{id}_sandbox:{id}.lock");
        try
        {
            if (!File.Exists(state)) File.Delete(lockFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: an empty lock file holds nothing.
        }
    }

    /// <summary>The value of a <c>--root DIR</c> or <c>--root=DIR</c> global flag, else the default.</summary>
    internal static string Root(IReadOnlyList<string> runtime)
    {
        for (int i = 1; i < runtime.Count; i++)
        {
            if (runtime[i].StartsWith("--root=", StringComparison.Ordinal)) return runtime[i]["--root=".Length..];
            if (runtime[i] is "--root" or "-root" && i + 1 < runtime.Count) return runtime[i + 1];
        }
        return DefaultRoot;
    }
}
