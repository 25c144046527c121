using System.Text.RegularExpressions;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;

namespace Sandbench.Core.Tests.Plans;

public sealed partial class PlanLoaderTests
{
    private const string Source = "plan.yaml";

    private const string TopKeysList = "name, description, runtimes, workloads, experiments";

    /// <summary>"SOURCE:LINE:COL: key.path: message".</summary>
    [GeneratedRegex(@"^plan\.yaml:\d+:\d+: [a-z0-9\[\].-]+: \S")]
    private static partial Regex PositionedProblem();

    private static Plan Load(string yaml) => PlanLoader.Load(yaml, Source, TestCatalog.Catalog);

    private static SandbenchException LoadFails(string yaml) => Assert.Throws<SandbenchException>(() => Load(yaml));

    [Fact]
    public void Load_FullValidPlan_ReadsEveryValue()
    {
        const string yaml = """
            name: compare-oci
            description: runc against gVisor
            runtimes:
              - process
              - runsc
              - name: runc-debug
                extends: runc
                flags: [--debug, --log-format=json]
                network: none
              - name: sandboxed
                kind: bwrap
                binary: /usr/bin/bwrap
            workloads: [hello]
            experiments:
              - type: coldstart
                iterations: 50
                timeout: 10s
                readiness: connect-retry
                retry-spacing: 250us
                order: sequential
            """;

        var plan = Load(yaml);

        Assert.Equal("compare-oci", plan.Name);
        Assert.Equal("runc against gVisor", plan.Description);
        Assert.Equal(yaml, plan.Text);
        Assert.Equal(["process", "runsc", "runc-debug", "sandboxed"], plan.Runtimes.Select(r => r.Name));

        // Bare names are the catalog's profiles themselves.
        Assert.Same(TestCatalog.Process, plan.Runtimes[0]);
        Assert.Same(TestCatalog.Runsc, plan.Runtimes[1]);

        // 'extends' keeps the base's kind and options and overrides the ones given.
        var debug = plan.Runtimes[2];
        Assert.Equal(RuntimeKinds.Oci, debug.Kind);
        Assert.Equal(
            new Dictionary<string, string> { ["binary"] = "runc", ["network"] = "none", ["flags"] = "--debug --log-format=json" },
            debug.Options);

        // 'kind' starts a fresh profile with only the options given.
        var sandboxed = plan.Runtimes[3];
        Assert.Equal(RuntimeKinds.Bwrap, sandboxed.Kind);
        Assert.Equal(new Dictionary<string, string> { ["binary"] = "/usr/bin/bwrap" }, sandboxed.Options);

        Assert.Equal(["hello"], plan.Workloads);
        var spec = Assert.Single(plan.Experiments);
        Assert.Equal("coldstart", spec.Type);
        Assert.Equal(50, spec.Iterations);
        Assert.Equal(ExperimentSpec.ColdStartDefaults.Warmup, spec.Warmup);
        Assert.Equal(TimeSpan.FromSeconds(10), spec.Timeout);
        Assert.Equal(ReadinessMethod.ConnectRetry, spec.Readiness);
        Assert.Equal(TimeSpan.FromMicroseconds(250), spec.RetrySpacing);
        Assert.Equal(TrialOrder.Sequential, spec.Order);
    }

    [Fact]
    public void Load_ProfileExtendsCatalogRuntime_LeavesCatalogProfileUnchanged()
    {
        Load("""
            name: p
            runtimes:
              - name: runc-none
                extends: runc
                network: none
            experiments:
              - type: coldstart
            """);

        Assert.Equal("host", TestCatalog.Runc.Option("network"));
    }

    [Fact]
    public void Load_MinimalPlan_AppliesDefaults()
    {
        var plan = Load("""
            name: minimal
            runtimes: [runc]
            experiments:
              - type: coldstart
            """);

        Assert.Null(plan.Description);
        Assert.Same(TestCatalog.Runc, Assert.Single(plan.Runtimes));
        Assert.Equal(["hello"], plan.Workloads);
        var spec = Assert.Single(plan.Experiments);
        Assert.Equal(ExperimentSpec.ColdStartDefaults, spec);
        Assert.Equal(20, spec.Iterations);
        Assert.Equal(2, spec.Warmup);
        Assert.Equal(TimeSpan.FromSeconds(30), spec.Timeout);
        Assert.Equal(ReadinessMethod.Auto, spec.Readiness);
        Assert.Equal(TimeSpan.FromMicroseconds(100), spec.RetrySpacing);
        Assert.Equal(TrialOrder.Interleaved, spec.Order);
    }

    [Fact]
    public void Load_ManyMistakes_ReportsAllOfThemAtOnce()
    {
        const string yaml = """
            name: many-mistakes
            colour: blue
            runtimes:
              - runc
              - firecracker
              - runc
              - name: tuned
                extends: runc
                flags: [--debug, --root /tmp]
                binary: ../runc
              - name: sandboxed
                kind: bwrap
                socket-activation: "true"
            experiments:
              - type: coldstart
                iterations: many
                warmup: -1
                timeout: 5 parsecs
                readiness: telepathy
              - type: warmstart
            """;

        var e = LoadFails(yaml);

        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        Assert.Equal(
            [
                $"plan.yaml:2:1: colour: unknown key 'colour' (valid: {TopKeysList})",
                "plan.yaml:5:5: runtimes[1]: unknown runtime 'firecracker' (valid: process, runc, runsc)",
                "plan.yaml:6:5: runtimes[2]: runtime 'runc' is listed twice",
                "plan.yaml:9:22: runtimes[3].flags: '--root /tmp': each flag is one argument starting with '-' (no spaces)",
                "plan.yaml:10:13: runtimes[3].binary: '../runc' is not allowed ('..' and shell characters are refused)",
                "plan.yaml:13:24: runtimes[4].socket-activation: not an option of kind bwrap (valid: binary, flags, network)",
                "plan.yaml:16:17: experiments[0].iterations: expected an integer from 1 to 100000, got 'many'",
                "plan.yaml:17:13: experiments[0].warmup: must be from 0 to 10000, got -1",
                "plan.yaml:18:14: experiments[0].timeout: expected a duration such as 100us, 20ms or 30s, got '5 parsecs'",
                "plan.yaml:19:16: experiments[0].readiness: expected one of auto, socket, connect-retry, marker, got 'telepathy'",
                "plan.yaml:20:11: experiments[1].type: unknown experiment 'warmstart' (valid: coldstart)",
            ],
            e.Problems);
        Assert.All(e.Problems, p => Assert.Matches(PositionedProblem(), p));
        Assert.Equal(string.Join(Environment.NewLine, e.Problems), e.Message);
    }

    [Fact]
    public void Load_UnknownRuntimeProfileWithoutKindOrExtends_NamesBothWays()
    {
        var e = LoadFails("""
            name: p
            runtimes:
              - name: kata
            experiments:
              - type: coldstart
            """);

        Assert.Equal(
            ["plan.yaml:3:11: runtimes[0]: unknown runtime 'kata': give 'kind' (process, bwrap, oci) or 'extends' (one of process, runc, runsc)"],
            e.Problems);
    }

    [Fact]
    public void Load_ExtendsUnknownRuntime_ReportsAtExtends()
    {
        var e = LoadFails("""
            name: p
            runtimes:
              - name: mine
                extends: crun
            experiments:
              - type: coldstart
            """);

        Assert.Equal(["plan.yaml:4:14: runtimes[0]: unknown runtime 'crun' to extend (valid: process, runc, runsc)"], e.Problems);
    }

    [Fact]
    public void Load_UnknownKind_NamesValidKinds()
    {
        var e = LoadFails("""
            name: p
            runtimes:
              - name: vm
                kind: firecracker
            experiments:
              - type: coldstart
            """);

        Assert.Equal(["plan.yaml:4:11: runtimes[0].kind: unknown kind 'firecracker' (valid: process, bwrap, oci)"], e.Problems);
    }

    [Fact]
    public void Load_KindContradictsExtendedProfile_Reports()
    {
        var e = LoadFails("""
            name: p
            runtimes:
              - name: odd
                extends: runc
                kind: bwrap
            experiments:
              - type: coldstart
            """);

        Assert.Equal(["plan.yaml:5:11: runtimes[0].kind: 'runc' is of kind oci, not bwrap"], e.Problems);
    }

    [Fact]
    public void Load_SampleInterval_ReadAndDefaulted()
    {
        var plan = Load("""
            name: p
            runtimes: [runc]
            experiments:
              - type: coldstart
                sample-interval: 25ms
              - type: coldstart
            """);

        Assert.Equal(TimeSpan.FromMilliseconds(25), plan.Experiments[0].SampleInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(10), plan.Experiments[1].SampleInterval);
    }

    [Fact]
    public void Load_SampleIntervalOutOfRange_NamesTheRange()
    {
        var e = LoadFails("""
            name: p
            runtimes: [runc]
            experiments:
              - type: coldstart
                sample-interval: 500us
            """);

        Assert.Equal(["plan.yaml:5:22: experiments[0].sample-interval: must be from 1ms to 60s, got 500us"], e.Problems);
    }

    [Fact]
    public void Load_OutOfRangeDuration_NamesTheRange()
    {
        var e = LoadFails("""
            name: p
            runtimes: [runc]
            experiments:
              - type: coldstart
                timeout: 2h
                retry-spacing: 2s
            """);

        Assert.Equal(
            [
                "plan.yaml:5:14: experiments[0].timeout: must be from 10ms to 3600s, got 2h",
                "plan.yaml:6:20: experiments[0].retry-spacing: must be from 1us to 1s, got 2s",
            ],
            e.Problems);
    }

    [Fact]
    public void Load_BadName_Reports()
    {
        var e = LoadFails("""
            name: My Plan
            runtimes: [runc]
            experiments:
              - type: coldstart
            """);

        Assert.Equal(["plan.yaml:1:7: name: use lowercase letters, digits, '.', '_' and '-' (at most 40)"], e.Problems);
    }

    [Fact]
    public void Load_UnknownWorkload_NamesValidWorkloads()
    {
        var e = LoadFails("""
            name: p
            runtimes: [runc]
            workloads: [hello, python]
            experiments:
              - type: coldstart
            """);

        Assert.Equal(["plan.yaml:3:20: workloads: unknown workload 'python' (valid: hello)"], e.Problems);
    }

    [Fact]
    public void Load_InvalidYamlSyntax_ReportsOneLineWithPosition()
    {
        var e = LoadFails("""
            name: demo
            runtimes:
              - runc
             bad: indentation
            """);

        var problem = Assert.Single(e.Problems);
        Assert.StartsWith("plan.yaml:4:2: not valid YAML: ", problem, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Fact]
    public void Load_UnclosedFlowList_ReportsOneLineWithPosition()
    {
        var e = LoadFails("name: demo\nruntimes: [runc\n");

        var problem = Assert.Single(e.Problems);
        Assert.Matches(@"^plan\.yaml:\d+:\d+: not valid YAML: \S", problem);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    public void Load_EmptyDocument_ReportsExpectedShape(string yaml)
    {
        var e = LoadFails(yaml);

        Assert.Equal([$"plan.yaml: a plan is one YAML mapping with the keys {TopKeysList}"], e.Problems);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Theory]
    [InlineData("just a string\n")]
    [InlineData("- runc\n- runsc\n")]
    public void Load_NonMappingDocument_ReportsExpectedShape(string yaml)
    {
        var e = LoadFails(yaml);

        Assert.Equal([$"plan.yaml: a plan is one YAML mapping with the keys {TopKeysList}"], e.Problems);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Fact]
    public void Load_MissingExperiments_ReportsRequired()
    {
        var e = LoadFails("""
            name: p
            runtimes: [runc]
            """);

        Assert.Equal(["plan.yaml: experiments: is required (a list, e.g. '- type: coldstart')"], e.Problems);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Fact]
    public void Load_EmptyRuntimesAndScalarExperiments_ReportsBoth()
    {
        var e = LoadFails("""
            name: p
            runtimes: []
            experiments: coldstart
            """);

        Assert.Equal(
            [
                "plan.yaml:2:11: runtimes: expected a non-empty list, got a list",
                "plan.yaml:3:14: experiments: expected a non-empty list, got 'coldstart'",
            ],
            e.Problems);
    }

    [Fact]
    public void Load_MissingNameAndRuntimes_ReportsBothWithoutPosition()
    {
        var e = LoadFails("""
            experiments:
              - type: coldstart
            """);

        Assert.Equal(
            [
                "plan.yaml: name: is required",
                "plan.yaml: runtimes: is required (a list of runtime names or profiles)",
            ],
            e.Problems);
    }

    [Fact]
    public void Load_EmptyWorkloadList_Reports()
    {
        var e = LoadFails("""
            name: p
            runtimes: [runc]
            workloads: []
            experiments:
              - type: coldstart
            """);

        Assert.Contains(e.Problems, p => p.StartsWith("plan.yaml:3:12: workloads: ", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadFile_MissingFile_ReportsCannotRead()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sandbench-missing-{Guid.NewGuid():N}.yaml");

        var e = Assert.Throws<SandbenchException>(() => PlanLoader.LoadFile(path, TestCatalog.Catalog));

        Assert.StartsWith($"{path}: cannot read the plan: ", Assert.Single(e.Problems), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Theory]
    [InlineData(ReadinessMethod.Auto, "auto")]
    [InlineData(ReadinessMethod.Socket, "socket")]
    [InlineData(ReadinessMethod.ConnectRetry, "connect-retry")]
    public void Name_ReadinessMethod_ReturnsPlanSpelling(ReadinessMethod method, string expected) =>
        Assert.Equal(expected, PlanLoader.Name(method));

    [Theory]
    [InlineData(TrialOrder.Interleaved, "interleaved")]
    [InlineData(TrialOrder.Sequential, "sequential")]
    public void Name_TrialOrder_ReturnsPlanSpelling(TrialOrder order, string expected) =>
        Assert.Equal(expected, PlanLoader.Name(order));
}
