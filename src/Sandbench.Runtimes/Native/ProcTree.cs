namespace Sandbench.Runtimes.Native;

/// <summary>Reads process relations from /proc.</summary>
internal static class ProcTree
{
    /// <summary>The process and all its descendants that are alive now.</summary>
    public static IReadOnlyList<int> WithDescendants(int pid)
    {
        var result = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.Count > 0 && result.Count < 10_000)
        {
            int p = queue.Dequeue();
            if (!Directory.Exists($"/proc/{p}")) continue;
            result.Add(p);
            foreach (var task in SafeDirs($"/proc/{p}/task"))
                foreach (var child in Read($"{task}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    if (int.TryParse(child, out int c)) queue.Enqueue(c);
        }
        return result;
    }

    /// <summary>Processes (other than us) whose command line contains <paramref name="text"/>.</summary>
    public static IReadOnlyList<int> Mentioning(string text)
    {
        var found = new List<int>();
        foreach (var dir in SafeDirs("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            if (Read($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(text, StringComparison.Ordinal)) found.Add(pid);
        }
        return found;
    }

    /// <summary>Processes whose environment holds <paramref name="entry"/> (KEY=VALUE) exactly.</summary>
    public static IReadOnlyList<int> WithEnvironment(string entry)
    {
        var found = new List<int>();
        foreach (var dir in SafeDirs("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            if (Read($"/proc/{pid}/environ").Split('\0').Contains(entry)) found.Add(pid);
        }
        return found;
    }

    /// <summary>
    /// Processes (not this one) whose environment sets <paramref name="name"/>, with the value it has there, and
    /// whose <paramref name="same"/> variable has the value it has in this process (both unset counts as the same).
    /// </summary>
    public static IReadOnlyList<(int Pid, string Value)> WithVariable(string name, string same)
    {
        var found = new List<(int, string)>();
        string prefix = name + "=", samePrefix = same + "=";
        string? mine = Environment.GetEnvironmentVariable(same);
        foreach (var dir in SafeDirs("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            var env = Read($"/proc/{pid}/environ").Split('\0');
            if (env.FirstOrDefault(e => e.StartsWith(prefix, StringComparison.Ordinal)) is not { } entry) continue;
            string? theirs = env.FirstOrDefault(e => e.StartsWith(samePrefix, StringComparison.Ordinal))?[samePrefix.Length..];
            if (theirs == mine) found.Add((pid, entry[prefix.Length..]));
        }
        return found;
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static string[] SafeDirs(string path)
    {
        try
        {
            return Directory.GetDirectories(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
