using System.Net;
using Sandbench.Core.Experiments;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Tests.Experiments;

public sealed class FirstRequestTests
{
    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(0.1);

    [Fact]
    public void ConnectRetry_EndpointNamedLater_AttemptsOnlyOnceKnown()
    {
        using var listener = Loopback.Listen();
        var phases = new PhaseClock(MonotonicClock.System);
        int asked = 0;
        long deadline = MonotonicClock.System.NowNs() + 5_000_000_000;

        var result = FirstRequest.ConnectRetry(() => Interlocked.Increment(ref asked) < 5 ? null : listener.LocalEndPoint,
            Spacing, deadline, () => null, phases, TestContext.Current.CancellationToken);

        using var socket = result.Socket;
        Assert.Equal(1, result.Attempts);
        Assert.Equal(0, result.ResolutionNs);
        Assert.True(asked >= 5);
        Assert.True(phases.TryGet(Phases.Listening, out _));
        Assert.True(phases.TryGet(Phases.RequestSent, out _));
    }

    [Fact]
    public void ConnectRetry_EndpointNeverNamed_TimesOut()
    {
        var phases = new PhaseClock(MonotonicClock.System);
        long deadline = MonotonicClock.System.NowNs() + 20_000_000;

        Assert.Throws<TimeoutException>(() => FirstRequest.ConnectRetry(() => (EndPoint?)null, Spacing, deadline, () => null, phases,
            TestContext.Current.CancellationToken));
        Assert.False(phases.TryGet(Phases.Listening, out _));
    }
}
