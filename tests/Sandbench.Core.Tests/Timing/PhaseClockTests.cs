using Microsoft.Extensions.Time.Testing;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Tests.Timing;

public sealed class PhaseClockTests
{
    // FakeTimeProvider's timestamps are ticks of its UTC time (10^7 per second). Starting one second after
    // DateTimeOffset.MinValue keeps them small: the default start (year 2000) overflows nanoseconds
    // (see MonotonicClockTests.NowNs_DefaultFakeTimeProvider_AdvancesWithTheClock).
    private static readonly DateTimeOffset Start = DateTimeOffset.MinValue.AddSeconds(1);
    private const long StartNs = 1_000_000_000;

    private readonly FakeTimeProvider _time = new(Start);

    private PhaseClock NewClock() => new(new MonotonicClock(_time));

    [Fact]
    public void Mark_FakeClock_RecordsTheInjectedTime()
    {
        var phases = NewClock();
        _time.Advance(TimeSpan.FromMilliseconds(5));

        long marked = phases.Mark(Phases.Spawn);

        Assert.Equal(StartNs + 5_000_000, marked);
        Assert.True(phases.TryGet(Phases.Spawn, out long stored));
        Assert.Equal(marked, stored);
    }

    [Fact]
    public void Mark_SameNameTwice_FirstMarkWins()
    {
        var phases = NewClock();
        long first = phases.Mark(Phases.Listening);
        _time.Advance(TimeSpan.FromMilliseconds(3));

        long second = phases.Mark(Phases.Listening);

        Assert.Equal(first + 3_000_000, second);
        Assert.True(phases.TryGet(Phases.Listening, out long stored));
        Assert.Equal(first, stored);
    }

    [Fact]
    public void MarkAt_Timestamp_RecordsItAsGiven()
    {
        var phases = NewClock();

        phases.MarkAt(Phases.WorkloadStart, 123_456_789);

        Assert.True(phases.TryGet(Phases.WorkloadStart, out long stored));
        Assert.Equal(123_456_789, stored);
    }

    [Fact]
    public void MarkAt_AlreadyMarked_FirstMarkWins()
    {
        var phases = NewClock();
        long marked = phases.Mark(Phases.Created);

        phases.MarkAt(Phases.Created, marked + 42);

        Assert.True(phases.TryGet(Phases.Created, out long stored));
        Assert.Equal(marked, stored);
    }

    [Fact]
    public void TryGet_NeverMarked_ReturnsFalse()
    {
        var phases = NewClock();

        Assert.False(phases.TryGet(Phases.Done, out _));
    }

    [Fact]
    public void Snapshot_MarkedOutOfOrder_ReturnsTimeOrderWithNameBreakingTies()
    {
        var phases = NewClock();
        _time.Advance(TimeSpan.FromMilliseconds(10));
        phases.Mark(Phases.Started);                       // +10 ms
        phases.MarkAt(Phases.Spawn, StartNs);              // +0 ms, marked later
        phases.MarkAt(Phases.WorkloadStart, StartNs + 20_000_000);
        phases.MarkAt(Phases.Created, StartNs + 20_000_000); // same time: "created" < "workload-start"
        _time.Advance(TimeSpan.FromMilliseconds(5));
        phases.Mark(Phases.Listening);                     // +15 ms

        var snapshot = phases.Snapshot();

        Assert.Equal(
            [
                new(Phases.Spawn, StartNs),
                new(Phases.Started, StartNs + 10_000_000),
                new(Phases.Listening, StartNs + 15_000_000),
                new(Phases.Created, StartNs + 20_000_000),
                new KeyValuePair<string, long>(Phases.WorkloadStart, StartNs + 20_000_000),
            ],
            snapshot);
    }

    [Fact]
    public void Snapshot_NothingMarked_IsEmpty() => Assert.Empty(NewClock().Snapshot());
}
