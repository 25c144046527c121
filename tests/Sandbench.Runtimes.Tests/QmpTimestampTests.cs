using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Sandbench.Core.Timing;
using Sandbench.Runtimes.Qemu;

namespace Sandbench.Runtimes.Tests;

/// <summary>A QMP event is placed on the monotonic time line at QEMU's own timestamp, not at its (possibly late) arrival.</summary>
public sealed class QmpTimestampTests
{
    private static JsonObject Event(DateTimeOffset at)
    {
        long us = (at - DateTimeOffset.UnixEpoch).Ticks / 10;
        return new JsonObject
        {
            ["event"] = "SHUTDOWN",
            ["timestamp"] = new JsonObject { ["seconds"] = us / 1_000_000, ["microseconds"] = us % 1_000_000 },
        };
    }

    [Fact]
    public void Emitted_ArrivedLate_QemusTimestampOnTheMonotonicLine()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var clock = new MonotonicClock(time);
        var emittedAt = time.GetUtcNow();
        long emittedNs = clock.NowNs();
        time.Advance(TimeSpan.FromMilliseconds(40)); // the reader of the QMP socket ran 40 ms later
        long received = clock.NowNs();

        Assert.Equal(emittedNs, QemuSandbox.Emitted(Event(emittedAt), received, clock));
    }

    [Fact]
    public void Emitted_NoTimestampAfterArrivalOrLongBefore_ArrivalKept()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var clock = new MonotonicClock(time);
        long received = clock.NowNs();

        Assert.Equal(received, QemuSandbox.Emitted(new JsonObject { ["event"] = "SHUTDOWN" }, received, clock));
        Assert.Equal(received, QemuSandbox.Emitted(Event(time.GetUtcNow().AddMilliseconds(5)), received, clock));
        // Ten seconds before it arrived: the wall clock was set in between, not a late reader.
        Assert.Equal(received, QemuSandbox.Emitted(Event(time.GetUtcNow().AddSeconds(-10)), received, clock));
    }
}
