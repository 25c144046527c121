namespace Sandbench.Cli.Tests;

/// <summary>Bad input gets a clear error, one line per problem, exit code 2, and nothing starts.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task ColdStart_UnknownRuntime_ListsValidNamesAndExits2()
    {
        var (code, _, err) = await _h.RunAsync("coldstart", "--runtimes", "process,firecrackerz", "--db", _h.Db);

        Assert.Equal(2, code);
        Assert.Equal("error: --runtimes: unknown runtime 'firecrackerz' (valid: process, bwrap, runc, crun, runsc, kata, urunc, qemu, firecracker, cloud-hypervisor, knative, knative-gvisor, knative-kata, openfaas)", err.Trim());
        Assert.False(File.Exists(_h.Db));
    }

    [Theory]
    [InlineData("--iterations", "0", "--iterations must be from 1 to 100000")]
    [InlineData("--warmup", "-1", "--warmup must be from 0 to 10000")]
    [InlineData("--timeout", "soon", "--timeout takes a duration such as 500ms or 30s")]
    [InlineData("--readiness", "psychic", "psychic")]
    [InlineData("--workload", "hello-cobol", "hello-cobol")]
    public async Task ColdStart_BadFlagValue_Exits2WithTheReason(string flag, string value, string expected)
    {
        var (code, _, err) = await _h.RunAsync("coldstart", flag, value, "--db", _h.Db);

        Assert.Equal(2, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.False(File.Exists(_h.Db));
    }

    [Theory]
    [InlineData("--sample-interval", "often", "--sample-interval takes a duration such as 10ms")]
    [InlineData("--runtimes", "qemu,vmware", "--runtimes: unknown runtime 'vmware'")]
    [InlineData("--iterations", "0", "--iterations must be from 1 to 100000")]
    public async Task Boot_BadFlagValue_Exits2WithTheReason(string flag, string value, string expected)
    {
        var (code, _, err) = await _h.RunAsync("boot", flag, value, "--db", _h.Db);

        Assert.Equal(2, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.False(File.Exists(_h.Db));
    }

    [Fact]
    public async Task Root_UnknownVerb_Exits2()
    {
        var (code, _, err) = await _h.RunAsync("frobnicate");

        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PlanWithManyMistakes_ReportsAllWithKeyPathAndLineBeforeStarting()
    {
        string plan = _h.WritePlan("""
            name: bad plan
            runtimes:
              - process
              - nosuchruntime
              - name: mine
                extends: runc
                binary: ../runc
                colour: blue
            workloads: [hello, nosuchworkload]
            experiments:
              - type: coldstart
                iterations: many
                warmup: -3
                timeout: 5 parsecs
                readiness: telepathy
              - type: warpdrive
            extra: 1
            """);

        var (code, _, err) = await _h.RunAsync("run", plan, "--db", _h.Db);

        Assert.Equal(2, code);
        var lines = err.Trim().Split('\n');
        string[] expected =
        [
            "plan.yaml:1:7: name: use lowercase",
            "plan.yaml:4:5: runtimes[1]: unknown runtime 'nosuchruntime' (valid: process, bwrap, runc, crun, runsc, kata, urunc, qemu, firecracker, cloud-hypervisor, knative, knative-gvisor, knative-kata, openfaas)",
            "plan.yaml:7:13: runtimes[2].binary: '../runc' is not allowed",
            "plan.yaml:8:5: runtimes[2].colour: unknown key 'colour'",
            "plan.yaml:9:20: workloads: unknown workload 'nosuchworkload' (valid: hello, hang, syscall, compress, json, graph-bfs, file-io, hello-go, hello-python, hello-node, hello-java, hello-csharp, retail-catalog, retail-photos, retail-purchase)",
            "plan.yaml:12:17: experiments[0].iterations: expected an integer from 1 to 100000, got 'many'",
            "plan.yaml:13:13: experiments[0].warmup: must be from 0 to 10000, got -3",
            "plan.yaml:14:14: experiments[0].timeout: expected a duration",
            "plan.yaml:15:16: experiments[0].readiness: expected one of auto, socket, connect-retry, marker, got 'telepathy'",
            "plan.yaml:16:11: experiments[1].type: unknown experiment 'warpdrive' (valid: coldstart, boot, warm, scale, density, syscall, imagepull, flow, eventing)",
            "plan.yaml:17:1: extra: unknown key 'extra'",
        ];
        Assert.Equal(expected.Length, lines.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Contains(expected[i], lines[i], StringComparison.Ordinal);
        Assert.All(lines, l => Assert.StartsWith("error: ", l, StringComparison.Ordinal));
        Assert.False(File.Exists(_h.Db));
    }

    [Fact]
    public async Task Run_MissingPlanFile_Exits2()
    {
        var (code, _, err) = await _h.RunAsync("run", "no-such-plan.yaml", "--db", _h.Db);

        Assert.Equal(2, code);
        Assert.Contains("no-such-plan.yaml: no such plan file", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SocketForcedOnRuntimeWithoutIt_IsRefusedBeforeAnythingStarts()
    {
        string plan = _h.WritePlan("""
            name: forced
            runtimes: [process, runsc]
            experiments:
              - type: coldstart
                readiness: socket
            """);

        var (code, _, err) = await _h.RunAsync("run", plan, "--db", _h.Db);

        Assert.Equal(2, code);
        Assert.Contains("runsc: readiness 'socket' needs socket activation", err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_h.StateDir));
    }

    [Fact]
    public async Task Show_UnknownRun_SaysSo()
    {
        var (code, _, err) = await _h.RunAsync("show", "deadbeef", "--db", _h.Db);

        Assert.Equal(2, code);
        Assert.Contains("no results file here", err, StringComparison.Ordinal);
    }
}
