using Microsoft.Extensions.Time.Testing;
using Sandbench.Core.Host;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Tests.Host;

public sealed class ProcessResourcesTests
{
    private const string Rollup = """
        55d0a0000000-7ffd1c5f9000 ---p 00000000 00:00 0                          [rollup]
        Rss:              225520 kB
        Pss:              223010 kB
        Pss_Anon:         210000 kB
        Shared_Clean:       3000 kB
        """;

    // comm with a space and a parenthesis: fields must be counted from the last ')'.
    private const string Stat = "4242 (qemu-system (x) 86) S 1 4242 4242 0 -1 4194560 9000 0 12 0 250 37 0 0 20 0 3 0 100 0 0";

    private static Func<string, string?> Files(Dictionary<string, string> files) => p => files.GetValueOrDefault(p);

    [Fact]
    public void Read_RollupAndStat_RssPssInBytesAndCpuFromTicks()
    {
        var reader = new ProcessResources(Files(new() { ["/proc/4242/smaps_rollup"] = Rollup, ["/proc/4242/stat"] = Stat }));

        var s = reader.Read(4242, 77);

        Assert.Equal(new ResourceSample(77, 4242, 225520L * 1024, 223010L * 1024, (250 + 37) * 10_000_000L), s);
    }

    [Fact]
    public void Read_GuestRamSize_ResidentPartOfTheMappingOfExactlyThatSize()
    {
        const string smaps = """
            7f6e77e00000-7f6e87e00000 rw-p 00000000 00:00 0
            Size:             262144 kB
            Rss:               61440 kB
            Pss:               61440 kB
            7f6e88000000-7f6ec7fff000 rwxp 00000000 00:00 0
            Size:            1048572 kB
            Rss:                2048 kB
            55d0a0000000-55d0a0100000 r--p 00000000 08:01 1234                       /usr/bin/qemu-system-x86_64
            Size:               1024 kB
            Rss:                1024 kB
            """;
        var reader = new ProcessResources(Files(new() { ["/proc/9/smaps_rollup"] = Rollup, ["/proc/9/stat"] = Stat, ["/proc/9/smaps"] = smaps }));

        var vm = reader.Read(9, 0, 256L << 20)!;
        Assert.Equal(61440L * 1024, vm.GuestRssBytes);
        // Totals come from the same smaps (the rollup is their sum): one file read, not two.
        Assert.Equal((61440L + 2048 + 1024) * 1024, vm.RssBytes);
        Assert.Equal(61440L * 1024, vm.PssBytes);
        Assert.Equal(287 * 10_000_000L, vm.CpuNs);
        Assert.Null(reader.Read(9, 0, 512L << 20)!.GuestRssBytes);
        Assert.Null(reader.Read(9, 0)!.GuestRssBytes);
    }

    [Fact]
    public void Read_ProcessGone_Null() =>
        Assert.Null(new ProcessResources(_ => null).Read(1, 0));

    [Fact]
    public void Read_RollupUnreadable_CpuStillRead()
    {
        var s = new ProcessResources(Files(new() { ["/proc/7/stat"] = Stat })).Read(7, 0);

        Assert.NotNull(s);
        Assert.Null(s.RssBytes);
        Assert.Null(s.PssBytes);
        Assert.Equal(287 * 10_000_000L, s.CpuNs);
    }

    [Fact]
    public void Read_ThisProcess_RealFiguresFromProc()
    {
        var s = ProcessResources.Local.Read(Environment.ProcessId, 0);

        Assert.NotNull(s);
        Assert.InRange(s.RssBytes!.Value, 1 << 20, 64L << 30);
        Assert.InRange(s.PssBytes!.Value, 1, s.RssBytes!.Value);
        Assert.True(s.CpuNs > 0);
    }

    [Fact]
    public void Sampler_AdvancingTheClock_OneReadingPerIntervalPerProcess()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(1));
        var clock = new MonotonicClock(time);
        var reader = new ProcessResources(p => p.EndsWith("smaps_rollup", StringComparison.Ordinal) ? Rollup : Stat);
        int[] pids = [];
        using var sampler = new ResourceSampler(clock, TimeSpan.FromMilliseconds(10), () => pids, reader);
        long origin = clock.NowNs();

        time.Advance(TimeSpan.FromMilliseconds(10)); // no process yet: nothing read
        pids = [1, 2];
        for (int i = 0; i < 3; i++) time.Advance(TimeSpan.FromMilliseconds(10));
        var readings = sampler.Stop(origin);
        time.Advance(TimeSpan.FromMilliseconds(50)); // stopped: no more readings

        Assert.Equal(6, readings.Count);
        Assert.Equal([20_000_000L, 20_000_000, 30_000_000, 30_000_000, 40_000_000, 40_000_000], readings.Select(r => r.TNs));
        Assert.Equal([1, 2, 1, 2, 1, 2], readings.Select(r => r.Pid));
    }

    [Fact]
    public void Peaks_SumProcessesPerReadingAndKeepTheLargest()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(1));
        long[][] rounds = [[100, 30], [90, 60], [120]];
        int round = 0;
        var reader = new ProcessResources(p =>
        {
            int pid = int.Parse(p.Split('/')[2], System.Globalization.CultureInfo.InvariantCulture);
            return p.EndsWith("smaps_rollup", StringComparison.Ordinal) && pid <= rounds[round].Length
                ? $"Rss: {rounds[round][pid - 1]} kB\nPss: {rounds[round][pid - 1] / 2} kB\n"
                : null;
        });
        using var sampler = new ResourceSampler(new MonotonicClock(time), TimeSpan.FromHours(1), () => [1, 2], reader);

        for (round = 0; round < rounds.Length; round++) sampler.Tick();

        Assert.Equal(150 * 1024, sampler.PeakRssBytes);
        Assert.Equal(75 * 1024, sampler.PeakPssBytes);
    }

    [Fact]
    public void Peaks_NothingRead_Null()
    {
        using var sampler = new ResourceSampler(new MonotonicClock(new FakeTimeProvider()), TimeSpan.FromHours(1), () => [], ProcessResources.Local);

        sampler.Tick();

        Assert.Null(sampler.PeakRssBytes);
        Assert.Null(sampler.PeakPssBytes);
    }
}
