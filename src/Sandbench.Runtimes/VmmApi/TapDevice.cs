using System.Globalization;
using System.Net;
using Sandbench.Core.Host;
using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes.VmmApi;

/// <summary>
/// One TAP device per microVM, host-local only: <c>sbtapN</c> with 172.16.N.1/30 on the host side, the
/// guest at 172.16.N.2/30. No bridge, no NAT, no route beyond the /30: the guest reaches the host and
/// nothing else. Created with <c>ip</c> (needs root or CAP_NET_ADMIN); deleted at teardown and by <c>clean</c>.
/// </summary>
internal sealed class TapDevice
{
    public const string Prefix = "sbtap";
    private static readonly TimeSpan IpTimeout = TimeSpan.FromSeconds(10);

    private TapDevice(string name, int index)
    {
        Name = name;
        HostAddress = IPAddress.Parse($"172.16.{index}.1");
        GuestAddress = IPAddress.Parse($"172.16.{index}.2");
    }

    public string Name { get; }

    public IPAddress HostAddress { get; }

    public IPAddress GuestAddress { get; }

    public const int PrefixLength = 30;

    /// <summary>Kernel arguments that give the guest its address (read by the guest's /init).</summary>
    public string BootArgs => $"sandbench.ip={GuestAddress}/{PrefixLength} sandbench.gw={HostAddress}";

    /// <summary>Creates the first free <c>sbtapN</c>; <paramref name="claim"/> records its name (in the ledger) before it exists.</summary>
    public static async Task<TapDevice> CreateAsync(Action<string> claim, CancellationToken ct)
    {
        string ip = Executables.Find("ip") ?? throw new InvalidOperationException("ip not found: TAP devices are made with iproute2 (apt-get install iproute2)");
        for (int n = 0; n < 256; n++)
        {
            string name = Prefix + n.ToString(CultureInfo.InvariantCulture);
            if (Directory.Exists($"/sys/class/net/{name}")) continue;
            claim(name);
            var add = await Command.RunAsync(ip, ["tuntap", "add", "dev", name, "mode", "tap"], IpTimeout, ct).ConfigureAwait(false);
            if (!add.Ok)
            {
                // Another sandbox took this name between the look and the add.
                if (Directory.Exists($"/sys/class/net/{name}")) continue;
                throw new InvalidOperationException($"cannot create TAP device {name}: {add.Reason()} (needs root or CAP_NET_ADMIN, and /dev/net/tun)");
            }
            var tap = new TapDevice(name, n);
            foreach (string[] args in new[] { new[] { "addr", "add", $"{tap.HostAddress}/{PrefixLength}", "dev", name }, ["link", "set", name, "up"] })
            {
                var r = await Command.RunAsync(ip, args, IpTimeout, ct).ConfigureAwait(false);
                if (!r.Ok)
                {
                    await DeleteAsync(name).ConfigureAwait(false);
                    throw new InvalidOperationException($"cannot configure TAP device {name}: {r.Reason()}");
                }
            }
            return tap;
        }
        throw new InvalidOperationException($"no free TAP device name ({Prefix}0 to {Prefix}255 all exist; sandbench clean removes leftovers)");
    }

    /// <summary>Deletes a TAP device by name; false when there was none.</summary>
    public static async Task<bool> DeleteAsync(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal) || !Directory.Exists($"/sys/class/net/{name}")) return false;
        string? ip = Executables.Find("ip");
        if (ip is null) return false;
        var r = await Command.RunAsync(ip, ["link", "delete", name], IpTimeout).ConfigureAwait(false);
        if (!r.Ok && Directory.Exists($"/sys/class/net/{name}")) throw new InvalidOperationException($"cannot delete TAP device {name}: {r.Reason()}");
        return true;
    }

    public Task DeleteAsync() => DeleteAsync(Name);
}
