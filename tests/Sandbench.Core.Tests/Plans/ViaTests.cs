using Sandbench.Core.Plans;

namespace Sandbench.Core.Tests.Plans;

public sealed class ViaTests
{
    private static Plan Load(string yaml) =>
        PlanLoader.Load(yaml, "plan.yaml", TestCatalog.Catalog with { Experiments = ["coldstart", "boot"] });

    [Fact]
    public void Load_ViaGateway_ReadAndDefaultedToDirect()
    {
        var plan = Load("""
            name: p
            runtimes: [runc]
            experiments:
              - type: coldstart
                via: gateway
              - type: coldstart
            """);

        Assert.Equal(RequestPath.Gateway, plan.Experiments[0].Via);
        Assert.Equal(RequestPath.Direct, plan.Experiments[1].Via);
    }

    [Fact]
    public void Load_ViaUnknownOrOnBoot_ReportsEach()
    {
        var e = Assert.Throws<SandbenchException>(() => Load("""
            name: p
            runtimes: [runc]
            experiments:
              - type: coldstart
                via: activator
              - type: boot
                via: gateway
            """));

        Assert.Equal(2, e.Problems.Count);
        Assert.StartsWith("plan.yaml:5:10: experiments[0].via: ", e.Problems[0]);
        Assert.Contains("direct, gateway", e.Problems[0]);
        Assert.Equal("plan.yaml:7:10: experiments[1].via: only coldstart can go through the gateway (boot starts its sandbox itself)", e.Problems[1]);
    }
}
