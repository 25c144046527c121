using Microsoft.Extensions.Time.Testing;
using Sandbench.Core.Host;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Tests.Host;

public sealed class HostSamplerTests
{
    private static string Stat(long busy0, long idle0, long busy1, long idle1) =>
        $"cpu  {busy0 + busy1} 0 0 {idle0 + idle1} 0 0 0 0 0 0\ncpu0 {busy0} 0 0 {idle0} 0 0 0 0 0 0\ncpu1 {busy1} 0 0 {idle1} 0 0 0 0 0 0\nintr 1 2 3\n";

    [Fact]
    public void Tick_TwoReadings_CpuBusyPerCoreAndOverAllFromTheDifference()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(1));
        var files = new Dictionary<string, string>
        {
            ["/proc/stat"] = Stat(100, 100, 100, 100),
            ["/proc/meminfo"] = "MemTotal:       24000000 kB\nMemAvailable:   20000000 kB\n",
            ["/proc/loadavg"] = "0.52 0.40 0.30 1/234 5678\n",
        };
        var got = new List<HostMetric>();
        using var sampler = new HostSampler(new MonotonicClock(time), new HostInfo(p => files.GetValueOrDefault(p)), TimeSpan.FromSeconds(1), got.AddRange);
        got.Clear();
        sampler.Tick(); // the first reading: memory and load only

        Assert.DoesNotContain(got, m => m.Metric.StartsWith("cpu_busy", StringComparison.Ordinal));
        Assert.Contains(new HostMetric(time.GetTimestamp() * 100, "load1", 0.52), got);

        // cpu0: 75 busy of 100 jiffies; cpu1: 25 of 100; all: 100 of 200.
        files["/proc/stat"] = Stat(175, 125, 125, 175);
        got.Clear();
        sampler.Tick();

        var byName = got.ToDictionary(m => m.Metric, m => m.Value);
        Assert.Equal(0.75, byName["cpu_busy.cpu0"], 9);
        Assert.Equal(0.25, byName["cpu_busy.cpu1"], 9);
        Assert.Equal(0.5, byName["cpu_busy"], 9);
        Assert.Equal(20000000.0 * 1024, byName["mem_available_bytes"]);
    }

    [Fact]
    public void Timer_AdvancingTheClock_OneReadingPerSecondUntilDisposed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(1));
        int readings = 0;
        var sampler = new HostSampler(new MonotonicClock(time), new HostInfo(p => p == "/proc/loadavg" ? "1.0 1 1 1/1 1" : null),
            TimeSpan.FromSeconds(1), _ => readings++);
        int atStart = readings;

        time.Advance(TimeSpan.FromSeconds(3));
        sampler.Dispose();
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(3, readings - atStart);
    }

    [Fact]
    public void Cpus_Real_ProcStat_HasAllAndEveryCore()
    {
        var cpus = HostSampler.Cpus(HostInfo.Local.ReadFile("/proc/stat"));

        Assert.Contains("cpu", cpus.Keys);
        Assert.Equal(Environment.ProcessorCount, cpus.Keys.Count(k => k != "cpu"));
        Assert.All(cpus.Values, c => Assert.InRange(c.Busy, 0, c.Total));
    }

    [Fact]
    public void Host_Analysis_AllCoresFirstThenCoresThenTheRest()
    {
        HostMetric[] metrics = [new(1, "load1", 2), new(1, "cpu_busy.cpu1", 0.5), new(1, "cpu_busy", 0.25), new(2, "cpu_busy", 0.75), new(1, "mem_available_bytes", 10)];

        var stats = RunAnalysis.Host(metrics);

        Assert.Equal(["cpu_busy", "cpu_busy.cpu1", "load1", "mem_available_bytes"], stats.Select(s => s.Metric));
        Assert.Equal(new HostStat("cpu_busy", 2, 0.5, 0.25, 0.75), stats[0]);
    }
}
