using System.Reflection;
using System.Text.Json.Nodes;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Runtimes.VmmApi;

namespace Sandbench.Runtimes.Tests;

/// <summary>
/// The firecracker and cloud-hypervisor drivers against a protocol fake written from their API documents
/// (tests/fakes/Sandbench.FakeVmm): it validates bodies and order, logs every request, prints the guest's
/// console lines and markers, and answers HTTP where the driver is told the guest is (guest-address).
/// </summary>
public sealed class VmmFakeTests : IDisposable
{
    private readonly RuntimeFixture _f = new();

    public void Dispose() => _f.Dispose();

    public static string FakeVmm { get; } = typeof(VmmFakeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "FakeVmm").Value!;

    private string RequestLog => Path.Combine(_f.Root, "requests.log");

    private IRuntime Fake(string name, string mode = "ok", params (string Key, string Value)[] more)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["binary"] = FakeVmm,
            ["flags"] = $"--fake-mode {mode} --fake-log {RequestLog}",
            ["network"] = "none",
            ["guest-address"] = "127.0.0.1",
        };
        foreach (var (k, v) in more) options[k] = v;
        return _f.Runtime(name, options);
    }

    private string[] Requests() => File.Exists(RequestLog) ? File.ReadAllLines(RequestLog) : [];

    [Theory]
    [InlineData("firecracker", "sandbench.off=reboot sandbench.run=--probe")]
    [InlineData("cloud-hypervisor", "sandbench.off=poweroff sandbench.run=--probe")]
    public async Task Boot_FakeVmm_GuestEndsTheWayThisVmmExitsOn(string name, string cmdlineEnd)
    {
        var outcome = await _f.BootAsync(Fake(name));

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        Assert.EndsWith(cmdlineEnd, outcome.Parameters["kernel_cmdline"], StringComparison.Ordinal);
        var phases = outcome.Phases.ToDictionary(p => p.Key, p => p.Value);
        Assert.True(phases[Phases.VmmReady] < phases[Phases.Boot]);
        Assert.True(phases[Phases.WorkloadExit] <= phases[Phases.Exit]);
        var samples = outcome.Samples.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(phases[Phases.Exit], samples[BootExperiment.RunMetric]);
        Assert.Equal(phases[Phases.GuestInit] - phases[Phases.Boot], samples[BootExperiment.BootMetric]);
        Assert.Equal($"the guest's workload exited with code 0; {name} exited with code 0", outcome.Parameters["exit"]);
        Assert.Empty(_f.Ledger.Entries());
        Assert.Empty(RuntimeFixture.ProcessesMentioning(_f.LastName));
    }

    [Theory]
    [InlineData("firecracker")]
    [InlineData("cloud-hypervisor")]
    public async Task ColdStart_FakeVmm_DrivesTheDocumentedFlowWithPhasesInOrder(string name)
    {
        var outcome = await _f.ColdStartAsync(Fake(name));

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        Assert.Equal("marker", outcome.Readiness);
        var phases = outcome.Phases.ToDictionary(p => p.Key, p => p.Value);
        string[] order = [Phases.Spawn, Phases.VmmReady, Phases.Boot, Phases.GuestKernel, Phases.GuestInit, Phases.GuestNet,
            Phases.Listening, Phases.RequestSent, Phases.FirstByte, Phases.Done];
        // Console lines that arrive in one read share a timestamp; the rest are strictly ordered.
        string[] console = [Phases.GuestKernel, Phases.GuestInit, Phases.GuestNet, Phases.Listening];
        for (int i = 1; i < order.Length; i++)
        {
            bool same = console.Contains(order[i - 1]) && console.Contains(order[i]);
            Assert.True(same ? phases[order[i - 1]] <= phases[order[i]] : phases[order[i - 1]] < phases[order[i]],
                $"{order[i - 1]} ({phases[order[i - 1]]}) not before {order[i]} ({phases[order[i]]})");
        }
        Assert.Equal(phases[Phases.FirstByte], outcome.Samples.Single(s => s.Key == ColdStartExperiment.Metric).Value);
        Assert.Contains(outcome.Parameters, p => p.Key == "kernel_cmdline" && p.Value.Contains("sandbench.port=", StringComparison.Ordinal));

        string[] requests = Requests();
        string[] expected = name == "firecracker"
            ? ["GET /", "PUT /machine-config", "PUT /boot-source", "PUT /actions"]
            : ["GET /api/v1/vmm.ping", "PUT /api/v1/vm.create", "PUT /api/v1/vm.boot", "PUT /api/v1/vm.shutdown", "PUT /api/v1/vmm.shutdown"];
        Assert.Equal(expected, requests.Select(r => string.Join(' ', r.Split(' ').Take(2))));
        if (name == "firecracker")
        {
            var boot = JsonNode.Parse(requests.Single(r => r.StartsWith("PUT /boot-source", StringComparison.Ordinal))["PUT /boot-source ".Length..])!;
            Assert.EndsWith("vmlinux", (string)boot["kernel_image_path"]!, StringComparison.Ordinal);
            Assert.Contains("console=ttyS0", (string)boot["boot_args"]!, StringComparison.Ordinal);
            Assert.Contains("\"action_type\":\"InstanceStart\"", requests[^1], StringComparison.Ordinal);
        }
        else
        {
            var create = JsonNode.Parse(requests.Single(r => r.Contains("vm.create", StringComparison.Ordinal)).Split(' ', 3)[2])!;
            Assert.Equal(256L << 20, (long)create["memory"]!["size"]!);
            Assert.Equal("Tty", (string)create["serial"]!["mode"]!);
        }
        AssertNothingLeft();
    }

    [Theory]
    [InlineData("firecracker", "firecracker refused PUT /machine-config: 400 The vCPU number is invalid")]
    [InlineData("cloud-hypervisor", "cloud-hypervisor refused PUT /api/v1/vm.create: 400 Error from API: invalid VmConfig: cpus.max_vcpus")]
    public async Task ColdStart_FakeRejectsBody_FailsWithTheVmmsWords(string name, string error)
    {
        var outcome = await _f.ColdStartAsync(Fake(name, "ok", ("vcpus", "300")));

        Assert.Equal(TrialStatus.Failed, outcome.Status);
        Assert.StartsWith(error, outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(outcome.Phases, p => p.Key == Phases.Boot);
        AssertNothingLeft();
    }

    [Theory]
    [InlineData("firecracker")]
    [InlineData("cloud-hypervisor")]
    public async Task ColdStart_VmmDiesBeforeApiReady_FailsSayingSo(string name)
    {
        var outcome = await _f.ColdStartAsync(Fake(name, "die"));

        Assert.Equal(TrialStatus.Failed, outcome.Status);
        Assert.Contains($"{name} exited with code 1 before its API socket answered", outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(outcome.Phases, p => p.Key == Phases.VmmReady);
        AssertNothingLeft();
    }

    [Theory]
    [InlineData("firecracker")]
    [InlineData("cloud-hypervisor")]
    public async Task ColdStart_VmmNeverAnswers_TimesOutAndIsKilled(string name)
    {
        var spec = ExperimentSpec.ColdStartDefaults with { Timeout = TimeSpan.FromSeconds(3) };

        var outcome = await _f.ColdStartAsync(Fake(name, "hang"), spec: spec);

        Assert.Equal(TrialStatus.Timeout, outcome.Status);
        Assert.Contains("last phase: spawn", outcome.Error, StringComparison.Ordinal);
        Assert.NotEmpty(Requests());
        AssertNothingLeft();
    }

    [Fact]
    public async Task ColdStart_GuestNeverReady_TimesOutWithTheConsoleTail()
    {
        var spec = ExperimentSpec.ColdStartDefaults with { Timeout = TimeSpan.FromSeconds(3) };

        var outcome = await _f.ColdStartAsync(Fake("firecracker", "silent"), spec: spec);

        Assert.Equal(TrialStatus.Timeout, outcome.Status);
        Assert.Contains("console: ", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("Command line:", outcome.Error, StringComparison.Ordinal);
        Assert.Contains(outcome.Phases, p => p.Key == Phases.GuestKernel);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Api_InstanceStartBeforeBootSource_IsRefusedWithFaultMessage()
    {
        string dir = Path.Combine(_f.Root, "api");
        Directory.CreateDirectory(dir);
        string socket = Path.Combine(dir, "fc.sock");
        var child = Native.ChildProcess.Start(new Native.SpawnOptions(FakeVmm, [FakeVmm, "--api-sock", socket],
            new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" }));
        try
        {
            using var api = new VmmApiClient("firecracker", socket, TimeSpan.FromSeconds(10));
            await api.WaitReadyAsync("/", child, MonotonicClock.System.NowNs, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

            var e = await Assert.ThrowsAsync<VmmApiException>(() =>
                api.PutAsync("/actions", new JsonObject { ["action_type"] = "InstanceStart" }, TestContext.Current.CancellationToken));
            var unknown = await Assert.ThrowsAsync<VmmApiException>(() =>
                api.PutAsync("/machine-config", new JsonObject { ["vcpu_count"] = 1, ["mem_size_mib"] = 128, ["vcpus"] = 1 }, TestContext.Current.CancellationToken));

            Assert.Equal("firecracker refused PUT /actions: 400 Cannot start microvm that was not configured: Missing kernel configuration.", e.Message);
            Assert.Contains("unknown field `vcpus`", unknown.Message, StringComparison.Ordinal);
        }
        finally
        {
            child.KillAndReap(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Probe_MissingBinary_SaysEverythingMissingWithAHint()
    {
        var runtime = _f.Runtime("firecracker", new Dictionary<string, string> { ["binary"] = "/nonexistent/firecracker" });

        var probe = await runtime.ProbeAsync(RuntimeFixture.Catalog, TestContext.Current.CancellationToken);

        Assert.False(probe.Installed);
        Assert.False(probe.Usable);
        Assert.Contains("/nonexistent/firecracker not found on PATH", probe.Reason, StringComparison.Ordinal);
        if (!File.Exists("/dev/kvm")) Assert.Contains("needs /dev/kvm (KVM); this host has none", probe.Reason, StringComparison.Ordinal);
        Assert.Contains("github.com/firecracker-microvm/firecracker/releases", probe.InstallHint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_InstalledWithoutKvm_IsInstalledButNotUsable()
    {
        if (File.Exists("/dev/kvm")) Assert.Skip("this host has /dev/kvm: the fake would be probed as usable");
        var runtime = _f.Runtime("cloud-hypervisor", new Dictionary<string, string> { ["binary"] = FakeVmm });

        var probe = await runtime.ProbeAsync(RuntimeFixture.Catalog, TestContext.Current.CancellationToken);

        Assert.True(probe.Installed);
        Assert.False(probe.Usable);
        Assert.StartsWith("needs /dev/kvm (KVM); this host has none", probe.Reason, StringComparison.Ordinal);
        Assert.Contains("github.com/cloud-hypervisor/cloud-hypervisor/releases", probe.InstallHint, StringComparison.Ordinal);
    }

    /// <summary>No VMM process, API socket, console pipe or ledger entry of the last sandbox is left.</summary>
    private void AssertNothingLeft()
    {
        Assert.Empty(RuntimeFixture.ProcessesMentioning(_f.LastName));
        Assert.Empty(_f.Ledger.Entries());
        string work = Path.Combine(_f.Root, _f.LastName);
        Assert.DoesNotContain(Directory.GetFiles(work), f => Path.GetFileName(f) is "fc.sock" or "ch.sock" or "console");
    }
}
