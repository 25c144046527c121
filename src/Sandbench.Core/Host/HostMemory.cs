using System.Diagnostics;
using System.Globalization;

namespace Sandbench.Core.Host;

/// <summary>The host's available memory, and dropping its page cache so two readings compare (gVisor's density method).</summary>
public interface IHostMemory
{
    /// <summary><c>MemAvailable</c> of /proc/meminfo in bytes; null when it cannot be read.</summary>
    long? AvailableBytes();

    /// <summary>Writes dirty pages back (<c>sync</c>), then drops the page cache, dentries and inodes; null when done, else why not.</summary>
    string? DropCaches();

    /// <summary>Tasks (threads) that exist on the host, and the kernel's limit on them (the lower of pid_max and threads-max); null when unknown.</summary>
    (int Tasks, int Limit)? Tasks() => null;
}

/// <summary>The local host's /proc.</summary>
public sealed class HostMemory(HostInfo host) : IHostMemory
{
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(60);

    public static HostMemory Local { get; } = new(HostInfo.Local);

    public long? AvailableBytes() => MemInfoBytes(host.ReadFile("/proc/meminfo"), "MemAvailable:");

    public (int Tasks, int Limit)? Tasks()
    {
        // /proc/loadavg's fourth field is "running/existing" scheduling entities (threads).
        var fields = host.ReadFile("/proc/loadavg")?.Split(' ');
        var existing = fields is { Length: > 3 } ? fields[3].Split('/') : [];
        if (existing.Length != 2 || !int.TryParse(existing[1], NumberStyles.None, CultureInfo.InvariantCulture, out int tasks)) return null;
        int limit = int.MaxValue;
        foreach (var file in new[] { "/proc/sys/kernel/pid_max", "/proc/sys/kernel/threads-max" })
            if (int.TryParse(host.ReadFile(file)?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int l)) limit = Math.Min(limit, l);
        return limit == int.MaxValue ? null : (tasks, limit);
    }

    /// <summary>A field of /proc/meminfo ("MemAvailable:", in kB there) in bytes.</summary>
    public static long? MemInfoBytes(string? meminfo, string field)
    {
        foreach (var line in (meminfo ?? "").Split('\n'))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            return long.TryParse(line[field.Length..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kb)
                ? kb * 1024 : null;
        }
        return null;
    }

    public string? DropCaches()
    {
        try
        {
            // Dirty pages cannot be dropped: write them back first, as gVisor's harness does (sync; echo 3 > drop_caches).
            using (var sync = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false }))
            {
                if (sync is null) return "sync could not be started";
                if (!sync.WaitForExit(SyncTimeout))
                {
                    sync.Kill();
                    sync.WaitForExit();
                    return $"sync did not finish within {SyncTimeout.TotalSeconds:0} s";
                }
            }
            File.WriteAllText("/proc/sys/vm/drop_caches", "3");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"cannot drop caches: {e.Message}";
        }
    }
}
