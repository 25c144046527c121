using Sandbench.Core.Storage;
using static Sandbench.Store.Tests.TestData;

namespace Sandbench.Store.Tests;

public sealed class GatewayTests
{
    [Fact]
    public void AppendGatewayRequests_ReadBackInArrivalOrderWithNulls()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("g1"), new Dictionary<string, string>());
        store.BeginRun(Run("g2"), new Dictionary<string, string>());
        GatewayRequestRecord[] requests =
        [
            new("hello", 2_000, "GET", "/b", "sb-g1-g-1", false, 10, 40, 90, 200, null) { ForwardedNs = 2_010, FirstByteNs = 2_050 },
            new("hello", 1_000, "POST", "/a", "sb-g1-g-1", true, 3_000_000, 100, 3_000_200, 200, null) { ForwardedNs = 1_001, FirstByteNs = 3_001_100 },
            new("hello", 3_000, "GET", "/", null, false, 5, null, 9, 503, "no sandbox free within 30s"),
        ];

        store.AppendGatewayRequests("g1", requests);
        store.AppendGatewayRequests("g2", [requests[0]]);

        Assert.Equal([requests[1], requests[0], requests[2]], store.GatewayRequests("g1"));
        Assert.Single(store.GatewayRequests("g2"));
        Assert.Empty(store.GatewayRequests("none"));
    }

    [Fact]
    public void AppendGatewaySandboxes_PhasesAndResolutionRoundTrip()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("g1"), new Dictionary<string, string>());
        var ok = new GatewaySandboxRecord("sb-g1-g-1", "hello", "runc", 100, 70_000_100, 900_000_000, "idle", null, 12,
            [Phase("spawn", 200), Phase("created", 50_000_000), Phase("listening", 70_000_000)], "socket");
        var failed = new GatewaySandboxRecord("sb-g1-g-2", "hello", "runsc", 50, null, 60, "failed", "runsc create exited with code 1", 0,
            [], "connect-retry") { ReadinessResolutionNs = 1_100_000 };

        store.AppendGatewaySandboxes("g1", [ok, failed]);

        var back = store.GatewaySandboxes("g1");
        Assert.Equal(2, back.Count);
        Assert.Equal("sb-g1-g-2", back[0].Name);
        Assert.Equal(1_100_000, back[0].ReadinessResolutionNs);
        Assert.Null(back[0].ReadyNs);
        Assert.Equal("runsc create exited with code 1", back[0].Error);
        Assert.Equal(ok.Phases, back[1].Phases);
        Assert.Equal(ok with { Phases = back[1].Phases }, back[1]);
    }
}
