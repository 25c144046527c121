namespace Sandbench.Core.Execution;

/// <summary>
/// A run's scratch directory (<c>$TMPDIR/sandbench/RUN</c>), held with an exclusive lock while the run
/// is alive, so <c>clean</c> can tell a live run from one whose owner was killed.
/// </summary>
public sealed class RunDirectory : IDisposable
{
    private readonly FileStream _lock;

    private RunDirectory(string path, FileStream lockFile)
    {
        Path = path;
        _lock = lockFile;
    }

    public string Path { get; }

    public static string Root => System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sandbench");

    public static RunDirectory Create(string runId)
    {
        string path = System.IO.Path.Combine(Root, runId);
        Directory.CreateDirectory(path);
        var lockFile = new FileStream(System.IO.Path.Combine(path, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        return new RunDirectory(path, lockFile);
    }

    /// <summary>True while some process holds the run's lock.</summary>
    public static bool IsActive(string runId)
    {
        string lockPath = System.IO.Path.Combine(Root, runId, ".lock");
        if (!File.Exists(lockPath)) return false;
        try
        {
            using var f = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Removes the directories of runs that no live process holds; returns their ids.</summary>
    public static IReadOnlyList<string> RemoveStale()
    {
        if (!Directory.Exists(Root)) return [];
        var removed = new List<string>();
        foreach (var dir in Directory.GetDirectories(Root))
        {
            string id = System.IO.Path.GetFileName(dir);
            if (IsActive(id)) continue;
            try
            {
                Directory.Delete(dir, recursive: true);
                removed.Add(id);
            }
            catch (IOException)
            {
                // Something inside is still mounted or busy; the next clean tries again.
            }
        }
        return removed;
    }

    public void Dispose()
    {
        _lock.Dispose();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
