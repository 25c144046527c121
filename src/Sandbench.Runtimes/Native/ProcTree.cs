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

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks): tells a pid from a reused one.</summary>
    public static long? StartTime(int pid)
    {
        string stat = Read($"/proc/{pid}/stat");
        int close = stat.LastIndexOf(')');
        if (close < 0) return null;
        var fields = stat[(close + 2)..].Split(' ');
        return fields.Length > 19 && long.TryParse(fields[19], out long t) ? t : null;
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
