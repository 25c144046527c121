using Sandbench.Core.Storage;
using static Sandbench.Store.Tests.TestData;

namespace Sandbench.Store.Tests;

public sealed class CommunityTests
{
    private static CommunityRecord Osv(DateTimeOffset collected) => new("cloudius-systems", "osv", 3910, 604, 4, 78, 60, 2.1219512195121952, 2.3048780487804876, 82,
        324, 825, 3.1270670147954744, 1149, new CommunityDocumentation("README.md", null, null, "NOASSERTION", null), collected, 23_400_000_000);

    [Fact]
    public void AppendCommunity_ReadBackPerRunInOrderWithNullAverages()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("c1"), new Dictionary<string, string>());
        store.BeginRun(Run("c2"), new Dictionary<string, string>());
        var osv = Osv(T0.AddSeconds(23));
        var empty = new CommunityRecord("someone", "empty", 0, 0, 0, 0, 0, null, null, 0, 0, 0, null, 0,
            new CommunityDocumentation(null, null, null, null, null), T0.AddSeconds(24), 1_000_000);

        store.AppendCommunity("c1", [osv, empty]);
        store.AppendCommunity("c2", [osv with { Stars = 3911, CollectedUtc = T0.AddDays(1) }]);

        Assert.Equal([osv, empty], store.Community("c1"));
        Assert.Equal(3911, Assert.Single(store.Community("c2")).Stars);
        Assert.Empty(store.Community("none"));
        Assert.Equal("README, LICENSE (NOASSERTION)", osv.Documentation.Summary());
        Assert.Equal("none", empty.Documentation.Summary());
    }

    [Fact]
    public void Export_CommunityRows_BelongToTheirRun()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("c1"), new Dictionary<string, string>());
        store.BeginRun(Run("c2"), new Dictionary<string, string>());
        store.AppendCommunity("c1", [Osv(T0)]);
        store.AppendCommunity("c2", [Osv(T0), Osv(T0) with { Repo = "other" }]);

        var table = store.Export(["c2"]).Single(t => t.Name == "community");
        Assert.Equal(2, table.Rows.Count);
        Assert.Contains("collected_utc", table.Columns);
    }
}
