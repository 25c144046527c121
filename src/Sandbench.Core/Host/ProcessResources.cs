using System.Globalization;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Host;

/// <summary>
/// Memory and CPU of one process from /proc: RSS and PSS from <c>smaps_rollup</c> (PSS divides shared
/// pages among their sharers, as Kata's smem figures do), CPU from <c>stat</c> (user + system).
/// </summary>
/// <param name="readFile">Reads a /proc file; null when the process is gone or the file unreadable.</param>
public sealed class ProcessResources(Func<string, string?> readFile)
{
    /// <summary>USER_HZ: the unit of /proc/PID/stat times, 100 on every Linux architecture's user ABI.</summary>
    private const long NsPerTick = 10_000_000;

    public static ProcessResources Local { get; } = new(ReadOrNull);

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>One reading; null when the process no longer exists.</summary>
    /// <param name="guestRamBytes">A VM's guest RAM size: the resident part of mappings of exactly that size is read too
    /// (QEMU, Firecracker and Cloud Hypervisor map guest RAM as one anonymous region), so VMM overhead can exclude it.
    /// That needs the per-mapping <c>smaps</c>, which then gives the RSS and PSS totals as well (the rollup is their sum).</param>
    public ResourceSample? Read(int pid, long tNs, long? guestRamBytes = null)
    {
        string? stat = readFile($"/proc/{pid}/stat");
        if (guestRamBytes is > 0 and var g)
        {
            string? smaps = readFile($"/proc/{pid}/smaps");
            if (smaps is null && stat is null) return null;
            var (rss, pss, guest) = FromSmaps(smaps, g);
            return new ResourceSample(tNs, pid, rss, pss, Cpu(stat)) { GuestRssBytes = guest };
        }
        string? rollup = readFile($"/proc/{pid}/smaps_rollup");
        if (rollup is null && stat is null) return null;
        return new ResourceSample(tNs, pid, Kb(rollup, "Rss:"), Kb(rollup, "Pss:"), Cpu(stat));
    }

    /// <summary>RSS and PSS summed over all mappings, and RSS over those whose <c>Size</c> is the guest's RAM (null when none).</summary>
    private static (long? Rss, long? Pss, long? Guest) FromSmaps(string? smaps, long guestRamBytes)
    {
        if (smaps is null) return (null, null, null);
        long? rss = null, pss = null, guest = null;
        bool isGuest = false;
        foreach (var line in smaps.Split('\n'))
        {
            if (line.StartsWith("Size:", StringComparison.Ordinal)) isGuest = Kb(line, "Size:") == guestRamBytes;
            else if (line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                long bytes = Kb(line, "Rss:") ?? 0;
                rss = (rss ?? 0) + bytes;
                if (isGuest) guest = (guest ?? 0) + bytes;
            }
            else if (line.StartsWith("Pss:", StringComparison.Ordinal)) pss = (pss ?? 0) + (Kb(line, "Pss:") ?? 0);
        }
        return (rss, pss, guest);
    }

    private static long? Kb(string? text, string field)
    {
        if (text is null) return null;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            var parts = line[field.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length > 0 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : null;
        }
        return null;
    }

    private static long? Cpu(string? stat)
    {
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields count from the last ')'.
        int close = stat?.LastIndexOf(')') ?? -1;
        if (close < 0) return null;
        var f = stat![(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // f[0] is field 3 (state); utime and stime are fields 14 and 15.
        return f.Length > 12
            && long.TryParse(f[11], NumberStyles.None, CultureInfo.InvariantCulture, out long user)
            && long.TryParse(f[12], NumberStyles.None, CultureInfo.InvariantCulture, out long system)
            ? (user + system) * NsPerTick
            : null;
    }
}

/// <summary>
/// Reads the resources of a sandbox's processes at a fixed interval, on the clock's timers (so tests
/// drive it by advancing a fake clock), from the moment it starts until it is stopped.
/// </summary>
public sealed class ResourceSampler : IDisposable
{
    private readonly MonotonicClock _clock;
    private readonly Func<IReadOnlyList<int>> _pids;
    private readonly ProcessResources _reader;
    private readonly List<ResourceSample> _samples = [];
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private readonly Func<long?> _guestRam;
    private bool _stopped;

    /// <param name="pids">The sandbox's processes now (may be empty before it has started).</param>
    /// <param name="guestRamBytes">A VM's guest RAM size once known (null otherwise), for <see cref="PeakOverheadBytes"/>.</param>
    public ResourceSampler(MonotonicClock clock, TimeSpan interval, Func<IReadOnlyList<int>> pids, ProcessResources reader,
        Func<long?>? guestRamBytes = null)
    {
        _clock = clock;
        _pids = pids;
        _reader = reader;
        _guestRam = guestRamBytes ?? (() => null);
        _timer = clock.Time.CreateTimer(_ => Tick(), null, TimeSpan.Zero, interval);
    }

    /// <summary>Takes one reading of every process now (also called by the timer).</summary>
    public void Tick()
    {
        lock (_gate)
        {
            if (_stopped) return;
            long now = _clock.NowNs();
            long? rss = null, pss = null, guest = null;
            long? ram = _guestRam();
            foreach (int pid in _pids())
            {
                if (_reader.Read(pid, now, ram) is not { } s) continue;
                _samples.Add(s);
                if (s.RssBytes is { } r) rss = (rss ?? 0) + r;
                if (s.PssBytes is { } p) pss = (pss ?? 0) + p;
                if (s.GuestRssBytes is { } g) guest = (guest ?? 0) + g;
            }
            if (rss > (PeakRssBytes ?? -1)) PeakRssBytes = rss;
            if (pss > (PeakPssBytes ?? -1)) PeakPssBytes = pss;
            if (rss - guest is { } overhead && overhead > (PeakOverheadBytes ?? -1)) PeakOverheadBytes = overhead;
        }
    }

    /// <summary>The largest RSS total over the sandbox's processes at one reading; null before any.</summary>
    public long? PeakRssBytes { get; private set; }

    /// <summary>The largest PSS total over the sandbox's processes at one reading; null before any.</summary>
    public long? PeakPssBytes { get; private set; }

    /// <summary>
    /// The largest RSS total minus the resident guest RAM at one reading: what the VMM itself holds (its code,
    /// device state, and under TCG its translation cache). Null unless a guest RAM mapping was found.
    /// </summary>
    public long? PeakOverheadBytes { get; private set; }

    /// <summary>Stops sampling; the readings with times made relative to <paramref name="originNs"/>.</summary>
    public IReadOnlyList<ResourceSample> Stop(long originNs)
    {
        _timer.Dispose();
        lock (_gate)
        {
            _stopped = true;
            return [.. _samples.Select(s => s with { TNs = s.TNs - originNs })];
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate) _stopped = true;
    }
}
