using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Runtimes;
using Sandbench.Workloads;

namespace Sandbench.Cli.Tests;

/// <summary>Every example plan the tool ships is valid as it stands.</summary>
public sealed class ExamplePlansTests
{
    private static string PlansDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "plans", "default.yaml"))) dir = dir.Parent;
        return dir is null ? throw new DirectoryNotFoundException("no plans/ above the test's directory") : Path.Combine(dir.FullName, "plans");
    }

    public static TheoryData<string> Plans() => [.. Directory.GetFiles(PlansDir(), "*.yaml").Select(Path.GetFileName).OfType<string>().Order()];

    [Theory]
    [MemberData(nameof(Plans))]
    public void ExamplePlan_Loads(string file)
    {
        var catalog = new PlanCatalog(RuntimeRegistry.ByName, RuntimeRegistry.OptionsByKind, ExperimentRegistry.Names,
            new WorkloadCatalog(WorkloadCatalog.DefaultCacheDir()).Workloads);

        var plan = PlanLoader.LoadFile(Path.Combine(PlansDir(), file), catalog);

        Assert.NotEmpty(plan.Experiments);
    }

    [Fact]
    public void WarmPlan_SeveralRatesOnTheRuntimesTheIssueNames()
    {
        var catalog = new PlanCatalog(RuntimeRegistry.ByName, RuntimeRegistry.OptionsByKind, ExperimentRegistry.Names, ["hello"]);

        var plan = PlanLoader.LoadFile(Path.Combine(PlansDir(), "warm.yaml"), catalog);

        Assert.Equal(["process", "bwrap", "runc", "runsc", "qemu"], plan.Runtimes.Select(r => r.Name));
        Assert.Equal([100, 1000, 3000], plan.Experiments.Single().Load!.Rates);
    }

    [Fact]
    public async Task PlansCommand_ListsEachPlanWithItsDescriptionReadAsYaml()
    {
        using var h = new CliHarness();

        var (code, stdout, stderr) = await h.RunAsync("plans");

        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n');
        Assert.Equal(Plans().Count, lines.Length);
        // A description quoted in the file (it holds ": ") is printed without its quotes.
        var flows = Assert.Single(lines, l => l.StartsWith("flows ", StringComparison.Ordinal));
        Assert.StartsWith("The hello-retail application flows", flows[13..], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l[13..].StartsWith('"'));
    }
}
