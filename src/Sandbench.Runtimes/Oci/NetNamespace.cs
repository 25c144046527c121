using System.Diagnostics;
using System.Globalization;
using System.Net;
using Sandbench.Core.Host;
using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes.Oci;

/// <summary>
/// A network namespace per sandbox (<c>network: netns</c>), reachable from the host only: a named
/// namespace (the sandbox's name) holding <c>eth0</c> at 10.201.X.Y+2/30 and <c>lo</c>, joined by a veth
/// pair to <c>sbvN</c> at 10.201.X.Y+1/30 on the host. No bridge, no NAT, no route beyond the /30.
/// The OCI bundle joins it by path, so runtimes that mirror the container's namespace into a VM
/// (Kata) find a real interface there. Created with <c>ip</c> (needs root or CAP_NET_ADMIN); deleted
/// at teardown and by <c>clean</c>.
/// </summary>
internal sealed class NetNamespace
{
    public const string VethPrefix = "sbv";
    public const string NetnsDirectory = "/var/run/netns";
    public const int PrefixLength = 30;

    /// <summary>The /30 networks in 10.201.0.0/16; slot N is also the host veth's name, <c>sbvN</c> (at most 8 characters).</summary>
    public const int Slots = 16384;

    private static readonly TimeSpan IpTimeout = TimeSpan.FromSeconds(10);
    private static int _counter;

    private NetNamespace(string name, int slot, TimeSpan setup)
    {
        Name = name;
        HostVeth = VethName(slot);
        (HostAddress, SandboxAddress) = Addresses(slot);
        SetupTime = setup;
    }

    /// <summary>The namespace's name (the sandbox's), under <see cref="NetnsDirectory"/>.</summary>
    public string Name { get; }

    public string Path => PathOf(Name);

    public string HostVeth { get; }

    public IPAddress HostAddress { get; }

    public IPAddress SandboxAddress { get; }

    /// <summary>How long creating it took (outside the measured window).</summary>
    public TimeSpan SetupTime { get; }

    public static string PathOf(string name) => $"{NetnsDirectory}/{name}";

    public static string VethName(int slot) => VethPrefix + slot.ToString(CultureInfo.InvariantCulture);

    /// <summary>Host and sandbox addresses of slot <paramref name="slot"/>: 10.201.(slot/64).(slot%64*4 + 1 and + 2).</summary>
    public static (IPAddress Host, IPAddress Sandbox) Addresses(int slot)
    {
        if (slot is < 0 or >= Slots) throw new ArgumentOutOfRangeException(nameof(slot), slot, $"a slot is 0 to {Slots - 1}");
        int third = slot / 64, fourth = slot % 64 * 4;
        return (new IPAddress([10, 201, (byte)third, (byte)(fourth + 1)]), new IPAddress([10, 201, (byte)third, (byte)(fourth + 2)]));
    }

    /// <summary>
    /// Where a search for a free slot starts: a block per process (by pid), then a counter within it, so
    /// concurrent runs rarely try the same slot; the kernel refusing a second <c>sbvN</c> settles the rest.
    /// </summary>
    public static int FirstSlot(int pid, int counter) => (int)(((uint)pid % 128 * 128 + (uint)counter % 128) % Slots);

    /// <summary>The first slot from <paramref name="start"/> on (wrapping) that <paramref name="taken"/> says is free; -1 when none is.</summary>
    public static int NextFree(int start, Func<int, bool> taken)
    {
        for (int i = 0; i < Slots; i++)
        {
            int slot = (start + i) % Slots;
            if (!taken(slot)) return slot;
        }
        return -1;
    }

    /// <summary>
    /// Creates the namespace <paramref name="name"/> and a free veth pair into it. <paramref name="claim"/>
    /// records (in the ledger) the namespace and veth names before either exists.
    /// </summary>
    /// <param name="name">The sandbox's name (starts with <c>sb-</c>).</param>
    /// <param name="scratch">A directory for the <c>ip -batch</c> files.</param>
    /// <param name="claim">Records namespace and host veth names; called again if the first veth name was taken meanwhile.</param>
    /// <param name="ct">Cancellation; whatever was created is deleted before it throws.</param>
    public static async Task<NetNamespace> CreateAsync(string name, string scratch, Action<string, string> claim, CancellationToken ct)
    {
        string ip = Executables.Find("ip") ?? throw new InvalidOperationException("ip not found: network namespaces are made with iproute2 (apt-get install iproute2)");
        var watch = Stopwatch.StartNew();
        int start = FirstSlot(Environment.ProcessId, Interlocked.Increment(ref _counter));
        int slot = NextFree(start, s => Directory.Exists($"/sys/class/net/{VethName(s)}"));
        if (slot < 0) throw new InvalidOperationException($"no free veth name ({VethPrefix}0 to {VethName(Slots - 1)} all exist; sandbench clean removes leftovers)");
        claim(name, VethName(slot));
        string? created = null;
        try
        {
            await Ip(ip, ["netns", "add", name], "create network namespace", ct).ConfigureAwait(false);
            for (int tries = 0; ; tries++)
            {
                string veth = VethName(slot);
                var add = await Command.RunAsync(ip, ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", name], IpTimeout, ct).ConfigureAwait(false);
                if (add.Ok)
                {
                    created = veth;
                    break;
                }
                // Another sandbox took this name between the look and the add: claim the next free one.
                if (!Directory.Exists($"/sys/class/net/{veth}") || tries > 64)
                    throw new InvalidOperationException($"cannot create veth pair {veth}: {add.Reason()} (needs root or CAP_NET_ADMIN)");
                slot = NextFree((slot + 1) % Slots, s => Directory.Exists($"/sys/class/net/{VethName(s)}"));
                if (slot < 0) throw new InvalidOperationException("no free veth name (sandbench clean removes leftovers)");
                claim(name, VethName(slot));
            }
            var (host, sandbox) = Addresses(slot);
            string hostBatch = System.IO.Path.Combine(scratch, "netns-host.ip"), nsBatch = System.IO.Path.Combine(scratch, "netns-sandbox.ip");
            await File.WriteAllTextAsync(hostBatch, $"addr add {host}/{PrefixLength} dev {created}\nlink set {created} up\n", ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(nsBatch, $"addr add {sandbox}/{PrefixLength} dev eth0\nlink set eth0 up\nlink set lo up\n", ct).ConfigureAwait(false);
            await Ip(ip, ["-batch", hostBatch], "configure " + created, ct).ConfigureAwait(false);
            await Ip(ip, ["-n", name, "-batch", nsBatch], "configure eth0 in " + name, ct).ConfigureAwait(false);
            return new NetNamespace(name, slot, watch.Elapsed);
        }
        catch
        {
            await DeleteAsync(name, created).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task Ip(string ip, string[] args, string what, CancellationToken ct)
    {
        var r = await Command.RunAsync(ip, args, IpTimeout, ct).ConfigureAwait(false);
        if (!r.Ok) throw new InvalidOperationException($"cannot {what}: {r.Reason()} (needs root or CAP_NET_ADMIN)");
    }

    /// <summary>
    /// Deletes the host veth (its peer goes with it) and the namespace, whichever exist; returns what was
    /// deleted. Names that are not ours (<c>sbv</c>, <c>sb-</c>) are left alone.
    /// </summary>
    public static async Task<IReadOnlyList<string>> DeleteAsync(string? netns, string? veth)
    {
        var deleted = new List<string>();
        string? ip = Executables.Find("ip");
        if (ip is null) return deleted;
        if (veth is not null && veth.StartsWith(VethPrefix, StringComparison.Ordinal) && Directory.Exists($"/sys/class/net/{veth}"))
        {
            var r = await Command.RunAsync(ip, ["link", "delete", veth], IpTimeout).ConfigureAwait(false);
            if (!r.Ok && Directory.Exists($"/sys/class/net/{veth}")) throw new InvalidOperationException($"cannot delete veth {veth}: {r.Reason()}");
            deleted.Add($"veth {veth}");
        }
        if (netns is not null && netns.StartsWith(Cleaner.NamePrefix, StringComparison.Ordinal) && File.Exists(PathOf(netns)))
        {
            var r = await Command.RunAsync(ip, ["netns", "delete", netns], IpTimeout).ConfigureAwait(false);
            if (!r.Ok && File.Exists(PathOf(netns))) throw new InvalidOperationException($"cannot delete network namespace {netns}: {r.Reason()}");
            deleted.Add($"network namespace {netns}");
        }
        return deleted;
    }

    public Task<IReadOnlyList<string>> DeleteAsync() => DeleteAsync(Name, HostVeth);

    /// <summary>Names of the namespaces in <see cref="NetnsDirectory"/> that look like a sandbox's.</summary>
    public static IReadOnlyList<string> Listed() =>
        Directory.Exists(NetnsDirectory)
            ? [.. Directory.GetFiles(NetnsDirectory, Cleaner.NamePrefix + "*").Select(f => System.IO.Path.GetFileName(f))]
            : [];
}
