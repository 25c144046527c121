using System.Text.Json;

namespace Sandbench.Runtimes;

/// <summary>What <c>sandbench clean</c> needs to remove one sandbox whose owner died.</summary>
/// <param name="Name">Sandbox name (carries the run id).</param>
/// <param name="OciCommand">For OCI sandboxes: the runtime binary and its global flags (the runtime knows the
/// container by name). Null for sandboxes that are host processes: those carry the sandbox's name in
/// their environment, which tells them apart from any other process, whatever their pid.</param>
/// <param name="WorkDir">Directory to remove.</param>
/// <param name="Tap">A TAP network device the sandbox's VMM uses, to delete.</param>
/// <param name="Netns">A named network namespace the sandbox joins (<c>network: netns</c>), to delete.</param>
/// <param name="Veth">The host side of the veth pair into <paramref name="Netns"/>, to delete.</param>
public sealed record LedgerEntry(string Name, IReadOnlyList<string>? OciCommand, string? WorkDir, string? Tap = null,
    string? Netns = null, string? Veth = null);

/// <summary>
/// One small file per live sandbox, written before the sandbox can exist and removed after it is gone,
/// so a Sandbench killed with SIGKILL leaves a list of exactly what to clean.
/// </summary>
public sealed class SandboxLedger(string directory)
{
    /// <summary>The variable that moves the state directory (and so the ledger) elsewhere.</summary>
    public const string StateVariable = "SANDBENCH_STATE";

    public string Directory { get; } = directory;

    public static SandboxLedger Default { get; } = new(DefaultDirectory());

    private static string DefaultDirectory()
    {
        string? env = Environment.GetEnvironmentVariable(StateVariable);
        if (!string.IsNullOrEmpty(env)) return env;
        return Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root"
            ? "/run/sandbench"
            : Path.Combine(Path.GetTempPath(), $"sandbench-state-{Environment.UserName}");
    }

    public void Record(LedgerEntry entry)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string path = PathOf(entry.Name);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(entry));
        File.Move(tmp, path, overwrite: true);
    }

    public void Remove(string name)
    {
        try
        {
            File.Delete(PathOf(name));
        }
        catch (IOException)
        {
            // Best effort: clean will find it again and see nothing left to do.
        }
    }

    public IReadOnlyList<LedgerEntry> Entries()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        var list = new List<LedgerEntry>();
        foreach (var f in System.IO.Directory.GetFiles(Directory, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<LedgerEntry>(File.ReadAllText(f)) is { } e) list.Add(e);
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                // A half-written entry: its sandbox may still exist; clean falls back to the runtimes' own lists.
            }
        }
        return list;
    }

    private string PathOf(string name) => Path.Combine(Directory, name + ".json");
}
