using System.Globalization;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Host;

/// <summary>
/// Samples the host while a run goes, on the clock's timers: CPU busy fraction per core and over all
/// cores (from <c>/proc/stat</c>, between two readings), <c>MemAvailable</c> and the 1-minute load
/// average. Each reading is handed to the sink at once (the store commits it), so a run
/// that is killed keeps what was sampled. Times are the monotonic clock's, like trials' origins.
/// </summary>
public sealed class HostSampler : IDisposable
{
    public const string CpuBusy = "cpu_busy";
    public const string MemAvailable = "mem_available_bytes";
    public const string Load1 = "load1";

    private readonly MonotonicClock _clock;
    private readonly HostInfo _host;
    private readonly Action<IReadOnlyList<HostMetric>> _sink;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private Dictionary<string, (long Busy, long Total)>? _last;
    private bool _stopped;

    public HostSampler(MonotonicClock clock, HostInfo host, TimeSpan interval, Action<IReadOnlyList<HostMetric>> sink)
    {
        _clock = clock;
        _host = host;
        _sink = sink;
        _timer = clock.Time.CreateTimer(_ => Tick(), null, TimeSpan.Zero, interval);
    }

    /// <summary>Takes one reading now (also called by the timer). The first gives no CPU figures: those need two.</summary>
    public void Tick()
    {
        lock (_gate)
        {
            if (_stopped) return;
            long now = _clock.NowNs();
            var metrics = new List<HostMetric>();
            var cpus = Cpus(_host.ReadFile("/proc/stat"));
            if (_last is not null)
            {
                foreach (var (name, (busy, total)) in cpus)
                {
                    if (!_last.TryGetValue(name, out var before) || total <= before.Total) continue;
                    string metric = name == "cpu" ? CpuBusy : $"{CpuBusy}.{name}";
                    metrics.Add(new HostMetric(now, metric, (double)(busy - before.Busy) / (total - before.Total)));
                }
            }
            _last = cpus;
            if (MemInfoKb(_host.ReadFile("/proc/meminfo"), "MemAvailable:") is { } kb) metrics.Add(new HostMetric(now, MemAvailable, kb * 1024.0));
            if (_host.ReadFile("/proc/loadavg")?.Split(' ') is [var l1, ..]
                && double.TryParse(l1, NumberStyles.Float, CultureInfo.InvariantCulture, out double load))
                metrics.Add(new HostMetric(now, Load1, load));
            if (metrics.Count > 0) _sink(metrics);
        }
    }

    /// <summary>Busy and total jiffies per line of /proc/stat ("cpu" for all, "cpu0" ...); busy is all but idle and iowait.</summary>
    internal static Dictionary<string, (long Busy, long Total)> Cpus(string? stat)
    {
        var cpus = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var line in (stat ?? "").Split('\n'))
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal)) continue;
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
            var v = f.Skip(1).Take(8).Select(x => long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : 0).ToArray();
            if (v.Length < 5) continue;
            long total = v.Sum();
            cpus[f[0]] = (total - v[3] - v[4], total);
        }
        return cpus;
    }

    private static long? MemInfoKb(string? meminfo, string field) =>
        (meminfo ?? "").Split('\n').Where(l => l.StartsWith(field, StringComparison.Ordinal))
            .Select(l => long.TryParse(l[field.Length..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb : (long?)null)
            .FirstOrDefault();

    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate) _stopped = true;
    }
}
