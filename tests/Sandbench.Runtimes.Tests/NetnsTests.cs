using System.Net;
using System.Text.Json.Nodes;
using Sandbench.Core.Experiments;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Runtimes.Oci;

namespace Sandbench.Runtimes.Tests;

/// <summary><c>network: netns</c>: slot arithmetic and bundle without root; real namespaces with runc as root.</summary>
public sealed class NetnsTests : IDisposable
{
    private readonly RuntimeFixture _f = new();

    public void Dispose() => _f.Dispose();

    private static readonly Dictionary<string, string> NetnsNoSocket = new() { ["network"] = "netns", ["socket-activation"] = "false" };

    [Theory]
    [InlineData(0, "10.201.0.1", "10.201.0.2")]
    [InlineData(1, "10.201.0.5", "10.201.0.6")]
    [InlineData(63, "10.201.0.253", "10.201.0.254")]
    [InlineData(64, "10.201.1.1", "10.201.1.2")]
    [InlineData(NetNamespace.Slots - 1, "10.201.255.253", "10.201.255.254")]
    public void Addresses_Slot_IsOneSlash30(int slot, string host, string sandbox)
    {
        var (h, s) = NetNamespace.Addresses(slot);

        Assert.Equal(IPAddress.Parse(host), h);
        Assert.Equal(IPAddress.Parse(sandbox), s);
        Assert.True(NetNamespace.VethName(slot).Length <= 15);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(NetNamespace.Slots)]
    public void Addresses_SlotOutOfRange_Throws(int slot) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NetNamespace.Addresses(slot));

    [Fact]
    public void FirstSlot_DifferentProcesses_StartInDifferentBlocks()
    {
        Assert.NotEqual(NetNamespace.FirstSlot(1000, 1) / 128, NetNamespace.FirstSlot(1001, 1) / 128);
        Assert.Equal(NetNamespace.FirstSlot(1000, 1) + 1, NetNamespace.FirstSlot(1000, 2));
        Assert.InRange(NetNamespace.FirstSlot(int.MaxValue, int.MaxValue), 0, NetNamespace.Slots - 1);
    }

    [Fact]
    public void NextFree_TakenSlots_SkipsThemAndWraps()
    {
        Assert.Equal(7, NetNamespace.NextFree(5, s => s is 5 or 6));
        Assert.Equal(0, NetNamespace.NextFree(NetNamespace.Slots - 1, s => s == NetNamespace.Slots - 1));
        Assert.Equal(-1, NetNamespace.NextFree(3, _ => true));
    }

    [Fact]
    public async Task Bundle_Netns_JoinsTheNamespaceByPath()
    {
        var artifact = await RuntimeFixture.Catalog.GetAsync("hello", TestContext.Current.CancellationToken);
        string dir = Path.Combine(_f.Root, "bundle");

        OciBundle.Write(dir, artifact, [], new Dictionary<string, string>(), ownNetwork: true, "/var/run/netns/sb-x-1");

        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!;
        var network = Assert.Single(spec["linux"]!["namespaces"]!.AsArray(), n => (string?)n!["type"] == "network")!;
        Assert.Equal("/var/run/netns/sb-x-1", (string?)network["path"]);
    }

    [Fact]
    public void Capabilities_Netns_OwnEndpointNotLoopback()
    {
        var caps = _f.Runtime("runc", NetnsNoSocket).Capabilities;

        Assert.False(caps.HostLoopback);
        Assert.True(caps.OwnEndpoint);
        Assert.False(caps.SocketActivation);
        Assert.True(_f.Runtime("runc", new Dictionary<string, string> { ["network"] = "netns" }).Capabilities.SocketActivation);
    }

    [Theory]
    [InlineData("kata", "kata-runtime")]
    [InlineData("urunc", "urunc")]
    public async Task Probe_Missing_SaysNotFoundOnPath(string name, string binary)
    {
        if (Executables.Find(binary) is not null) Assert.Skip($"{binary} is installed here");

        var probe = await _f.Runtime(name).ProbeAsync(RuntimeFixture.Catalog, TestContext.Current.CancellationToken);

        Assert.False(probe.Installed);
        Assert.False(probe.Usable);
        Assert.Equal($"{binary} not found on PATH", probe.Reason);
        Assert.Contains(name == "kata" ? "containerd-shim-kata-v2" : "github.com/urunc-dev/urunc", probe.InstallHint, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Probe_BinaryWithoutCreate_SaysUnusableAndWhy()
    {
        RequireRoot();
        // A stand-in for Kata 2.x's kata-runtime: it checks and inspects, but runs nothing itself.
        string fake = Path.Combine(_f.Root, "kata-runtime");
        File.WriteAllText(fake, "#!/bin/sh\ncase \"$1\" in\n--version) echo 'kata-runtime  : 3.2.0';;\n"
            + "--help) printf 'NAME:\\n   kata-runtime\\nCOMMANDS:\\n   check  tests if the system can run Kata Containers\\n   env  display settings\\n';;\n"
            + "*) echo \"No help topic for '$1'\" >&2; exit 3;;\nesac\n");
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);

        var probe = await _f.Runtime("kata", new Dictionary<string, string> { ["binary"] = fake }).ProbeAsync(RuntimeFixture.Catalog, TestContext.Current.CancellationToken);

        Assert.True(probe.Installed);
        Assert.False(probe.Usable);
        Assert.StartsWith($"unusable: {fake} has no 'create' subcommand", probe.Reason, StringComparison.Ordinal);
        Assert.Contains("containerd-shim-kata-v2", probe.Reason, StringComparison.Ordinal);
        AssertNoNetworkLeft();
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Probe_RuncNetns_Usable()
    {
        var runtime = UsableRunc(NetnsNoSocket);

        var probe = await runtime.ProbeAsync(RuntimeFixture.Catalog, TestContext.Current.CancellationToken);

        Assert.True(probe.Usable, probe.Reason);
        AssertNoNetworkLeft();
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task ColdStart_RuncNetnsConnectRetry_ReachesTheNamespaceAddress()
    {
        var runtime = UsableRunc(NetnsNoSocket);

        var outcome = await _f.ColdStartAsync(runtime);

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        Assert.Equal("connect-retry", outcome.Readiness);
        var phases = outcome.Phases.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(0, phases[Phases.Spawn]);
        Assert.True(phases[Phases.Created] < phases[Phases.Started]);
        Assert.True(phases[Phases.Listening] <= phases[Phases.RequestSent]);
        Assert.True(phases[Phases.RequestSent] < phases[Phases.FirstByte]);
        Assert.True(phases[Phases.Done] >= phases[Phases.FirstByte]);
        // The poller aimed at the namespace from the spawn on: the workload's own readiness precedes the accepted connect.
        Assert.InRange(phases["workload-ready"], 1, phases[Phases.Listening] + 1_000_000);
        Assert.InRange(outcome.ReadinessResolutionNs, 1, 50_000_000);
        var parameters = outcome.Parameters.ToDictionary(p => p.Key, p => p.Value);
        Assert.StartsWith("netns 10.201.", parameters["network"], StringComparison.Ordinal);
        Assert.True(long.Parse(parameters["network_setup_us"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        await AssertNothingLeftAsync(runtime);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task ColdStart_RuncNetnsAuto_StaysSocketActivated()
    {
        var runtime = UsableRunc(new Dictionary<string, string> { ["network"] = "netns" });

        var outcome = await _f.ColdStartAsync(runtime);

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        Assert.Equal("socket", outcome.Readiness);
        await AssertNothingLeftAsync(runtime);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task ColdStart_RuncNetnsNeverListens_TimesOutAndLeavesNothing()
    {
        var runtime = UsableRunc(NetnsNoSocket);
        var spec = ExperimentSpec.ColdStartDefaults with { Timeout = TimeSpan.FromMilliseconds(1500) };

        var outcome = await _f.ColdStartAsync(runtime, "hang", spec);

        Assert.Equal(TrialStatus.Timeout, outcome.Status);
        await AssertNothingLeftAsync(runtime);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task ColdStart_RuncNetnsCancelledDuringSetup_IsInterruptedAndLeavesNothing()
    {
        var runtime = UsableRunc(NetnsNoSocket);
        using var cts = new CancellationTokenSource();
        var task = _f.ColdStartAsync(runtime, "hang", ExperimentSpec.ColdStartDefaults with { Timeout = TimeSpan.FromSeconds(20) }, cts.Token);
        // The ledger names the namespace before it exists: cancel while it is being made.
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
            while (!_f.Ledger.Entries().Any(e => e.Netns is not null)) await Task.Delay(1, limit.Token);
        await cts.CancelAsync();

        var outcome = await task;

        Assert.Equal(TrialStatus.Interrupted, outcome.Status);
        await AssertNothingLeftAsync(runtime);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Clean_LedgerEntryWithNetnsAndVeth_RemovesBoth()
    {
        RequireRoot();
        string runId = "t" + Guid.NewGuid().ToString("N")[..7];
        string name = $"sb-{runId}-1";
        string work = Path.Combine(_f.Root, name);
        Directory.CreateDirectory(work);
        var ct = TestContext.Current.CancellationToken;
        var netns = await NetNamespace.CreateAsync(name, work, (ns, veth) => _f.Ledger.Record(new LedgerEntry(name, null, work, Netns: ns, Veth: veth)), ct);
        Assert.True(File.Exists(netns.Path));
        Assert.True(Directory.Exists($"/sys/class/net/{netns.HostVeth}"));

        var report = await Cleaner.CleanAsync(_f.Ledger, runId, _ => false, ct);

        Assert.Contains($"deleted veth {netns.HostVeth} of {name}", report);
        Assert.Contains($"deleted network namespace {name} of {name}", report);
        Assert.Empty(_f.Ledger.Entries());
        AssertNoNetworkLeft();
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Clean_NamespaceWithoutLedgerEntry_RemovesIt()
    {
        RequireRoot();
        string runId = "t" + Guid.NewGuid().ToString("N")[..7];
        string name = $"sb-{runId}-1";
        var ct = TestContext.Current.CancellationToken;
        await NetNamespace.CreateAsync(name, _f.Root, (_, _) => { }, ct);

        var report = await Cleaner.CleanAsync(_f.Ledger, runId, _ => false, ct);

        Assert.Contains($"deleted network namespace {name}", report);
        // The kernel tears the namespace down, and the veth pair with it, in the background.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (Directory.GetFileSystemEntries("/sys/class/net", NetNamespace.VethPrefix + "*").Length > 0) await Task.Delay(10, limit.Token);
        AssertNoNetworkLeft();
    }

    private static void RequireRoot()
    {
        if (Environment.UserName != "root") Assert.Skip("network namespaces need root");
        if (Executables.Find("ip") is null) Assert.Skip("ip (iproute2) is not installed");
    }

    private IRuntime UsableRunc(IReadOnlyDictionary<string, string> options)
    {
        RequireRoot();
        if (Executables.Find("runc") is null) Assert.Skip("runc is not installed");
        return _f.Runtime("runc", options);
    }

    private async Task AssertNothingLeftAsync(IRuntime runtime)
    {
        Assert.Empty(_f.Ledger.Entries());
        Assert.Empty(RuntimeFixture.ProcessesMentioning(_f.LastName));
        Assert.DoesNotContain(_f.LastName, await RuntimeFixture.ListedAsync(runtime));
        AssertNoNetworkLeft();
    }

    /// <summary>No <c>sb-</c> namespace and no <c>sbv</c> veth on the host (only this suite makes them, one test at a time).</summary>
    private static void AssertNoNetworkLeft()
    {
        Assert.Empty(NetNamespace.Listed());
        Assert.Empty(Directory.GetFileSystemEntries("/sys/class/net", NetNamespace.VethPrefix + "*"));
    }
}
