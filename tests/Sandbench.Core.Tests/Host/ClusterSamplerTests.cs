using Microsoft.Extensions.Time.Testing;
using Sandbench.Core.Host;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Tests.Host;

public sealed class ClusterSamplerTests
{
    /// <summary>A cluster whose readings complete when the test says so.</summary>
    private sealed class Cluster(string scope) : IClusterMetrics
    {
        public string MetricsScope { get; } = scope;
        public int Reads;
        public TaskCompletionSource Gate { get; set; } = CompletedGate();

        public async Task<IReadOnlyList<HostMetric>> SampleMetricsAsync(string runId, long tNs, CancellationToken ct)
        {
            Interlocked.Increment(ref Reads);
            await Gate.Task.WaitAsync(ct);
            return [new HostMetric(tNs, $"k8s.{MetricsScope}.{runId}", 1)];
        }

        private static TaskCompletionSource CompletedGate()
        {
            var tcs = new TaskCompletionSource();
            tcs.SetResult();
            return tcs;
        }
    }

    [Fact]
    public async Task Timer_OneReadingPerScopeAndIntervalNeverTwoAtOnce()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(1));
        var a = new Cluster("a");
        var sameAsA = new Cluster("a");
        var got = new List<HostMetric>();
        var arrived = new SemaphoreSlim(0);
        using (var sampler = new ClusterSampler(new MonotonicClock(time), "r1", [a, sameAsA], TimeSpan.FromSeconds(5), m =>
        {
            lock (got) got.AddRange(m);
            arrived.Release();
        }))
        {
            // The first reading at once, the second after 5 s; the second runtime of the same scope is never read.
            Assert.True(await arrived.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
            a.Gate = new TaskCompletionSource();
            time.Advance(TimeSpan.FromSeconds(5));
            // While that reading hangs, the next one due is not started beside it.
            time.Advance(TimeSpan.FromSeconds(5));
            a.Gate.SetResult();
            Assert.True(await arrived.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        }

        Assert.Equal(2, a.Reads);
        Assert.Equal(0, sameAsA.Reads);
        lock (got) Assert.All(got, m => Assert.Equal("k8s.a.r1", m.Metric));
    }

    [Fact]
    public void Dispose_ReadingUnderWay_CancelledAndNothingLandsAfter()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(1));
        var a = new Cluster("a") { Gate = new TaskCompletionSource() };
        var got = new List<HostMetric>();
        var sampler = new ClusterSampler(new MonotonicClock(time), "r1", [a], TimeSpan.FromSeconds(5), m => { lock (got) got.AddRange(m); });

        sampler.Dispose();
        a.Gate.SetResult();

        lock (got) Assert.Empty(got);
    }
}
