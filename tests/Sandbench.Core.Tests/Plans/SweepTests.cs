using Sandbench.Core;
using Sandbench.Core.Execution;
using Sandbench.Core.Plans;

namespace Sandbench.Core.Tests.Plans;

public sealed class SweepTests
{
    private static PlanCatalog CatalogWithQemu()
    {
        var c = TestCatalog.Catalog;
        var runtimes = new Dictionary<string, Core.Runtimes.RuntimeProfile>(c.Runtimes)
        {
            ["qemu"] = new("qemu", "qemu", new Dictionary<string, string> { ["memory"] = "256" }),
        };
        var options = new Dictionary<string, IReadOnlyList<string>>(c.OptionsByKind) { ["qemu"] = ["memory", "machine", "initrd-padding"] };
        return c with { Runtimes = runtimes, OptionsByKind = options };
    }

    [Fact]
    public void Load_SweepOverTwoOptions_ExpandsToEveryCombinationAsNamedVariants()
    {
        var plan = PlanLoader.Load("""
            name: s
            runtimes: [qemu]
            experiments:
              - type: coldstart
                iterations: 1
                warmup: 0
                sweep:
                  memory: [128, 1024]
                  machine: microvm
            """, "plan.yaml", CatalogWithQemu());

        var trials = RunExecutor.Expand(plan, plan.Runtimes).ToList();

        Assert.Equal(["qemu@memory=128,machine=microvm", "qemu@memory=1024,machine=microvm"], trials.Select(t => t.Runtime.Name));
        Assert.Equal("1024", trials[1].Runtime.Option("memory"));
        Assert.Equal("1024", trials[1].Swept["memory"]);
        Assert.Equal("qemu", trials[1].BaseRuntime);
    }

    [Fact]
    public void Load_SweptOptionSomeRuntimeLacks_NamesTheRuntime()
    {
        var e = Assert.Throws<SandbenchException>(() => PlanLoader.Load("""
            name: s
            runtimes: [qemu, process]
            experiments:
              - type: coldstart
                sweep:
                  memory: [128, "$(reboot)"]
                  colour: [red]
            """, "plan.yaml", CatalogWithQemu()));

        Assert.Contains(e.Problems, p => p.Contains("plan.yaml:6:15: experiments[0].sweep.memory: runtime 'process' (kind process) has no option 'memory'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("experiments[0].sweep.memory: '$(reboot)' is not allowed", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("experiments[0].sweep.colour: unknown key 'colour'", StringComparison.Ordinal));
    }
}
