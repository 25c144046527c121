namespace Sandbench.Workloads;

/// <summary>
/// One entry of the artifact cache (<c>CACHE/artifacts/NAME-HASH</c>): built in a private temporary directory
/// beside it and moved into place whole, so a reader never sees a half-written entry and two Sandbench
/// processes building the same hash at once both end up with one complete copy.
/// </summary>
internal static class CachedBuild
{
    /// <summary>The entry's directory, built first by <paramref name="build"/> (given the temporary directory) unless <paramref name="marker"/> is already in it.</summary>
    /// <param name="marker">A path inside the entry that exists only once it is complete.</param>
    public static async Task<string> EnsureAsync(string cacheDir, string entry, string marker, Func<string, Task> build)
    {
        string artifacts = Path.Combine(cacheDir, "artifacts");
        string dir = Path.Combine(artifacts, entry);
        if (File.Exists(Path.Combine(dir, marker))) return dir;
        string tmp = Path.Combine(artifacts, $".{entry}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            await build(tmp).ConfigureAwait(false);
            try
            {
                Directory.Move(tmp, dir);
            }
            catch (IOException) when (File.Exists(Path.Combine(dir, marker)))
            {
                // Another Sandbench built the same hash first: its copy is identical.
            }
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        }
        return dir;
    }
}
