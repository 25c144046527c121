using Sandbench.Core.Storage;
using static Sandbench.Store.Tests.TestData;

namespace Sandbench.Store.Tests;

public sealed class ResourcesTests
{
    [Fact]
    public void AppendTrial_WithResources_ReadBackInTimeOrderWithNulls()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("r1"), new Dictionary<string, string>());
        ResourceSample[] readings =
        [
            new(20_000_000, 4242, 230_000_000, 228_000_000, 1_500_000_000) { GuestRssBytes = 180_000_000 },
            new(10_000_000, 4242, 12_000_000, null, null),
            new(10_000_000, 4243, 3_000_000, 1_000_000, 20_000_000),
        ];

        long id = store.AppendTrial(Trial("r1") with { Resources = readings });
        long other = store.AppendTrial(Trial("r1", iteration: 1));

        Assert.Equal([readings[1], readings[2], readings[0]], store.Resources(id));
        Assert.Empty(store.Resources(other));
    }

    [Fact]
    public void Resources_UnknownTrial_Empty()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));

        Assert.Empty(store.Resources(99));
    }

    [Fact]
    public void AppendHostMetrics_SeveralBatches_ReadBackPerRunInTimeOrder()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("r1"), new Dictionary<string, string>());
        store.BeginRun(Run("r2"), new Dictionary<string, string>());

        store.AppendHostMetrics("r1", [new(2_000, "load1", 0.5), new(2_000, "cpu_busy", 0.25)]);
        store.AppendHostMetrics("r2", [new(1_500, "load1", 9)]);
        store.AppendHostMetrics("r1", [new(1_000, "mem_available_bytes", 1e10)]);

        Assert.Equal([new HostMetric(1_000, "mem_available_bytes", 1e10), new HostMetric(2_000, "cpu_busy", 0.25), new HostMetric(2_000, "load1", 0.5)],
            store.HostMetrics("r1"));
        Assert.Single(store.HostMetrics("r2"));
    }
}
