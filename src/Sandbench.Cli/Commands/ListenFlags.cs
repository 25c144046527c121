using System.Globalization;
using System.Net;

namespace Sandbench.Cli.Commands;

/// <summary>The <c>--listen</c> flags of <c>sink</c> (an address) and <c>eventing</c> (an address and a port), parsed strictly.</summary>
internal static class ListenFlags
{
    /// <summary>An IPv4 address in dotted form (four parts, so "8080" is not taken for 0.0.31.144) or an IPv6 address.</summary>
    public static IPAddress? Address(string text)
    {
        string host = text.Length > 1 && text[0] == '[' && text[^1] == ']' ? text[1..^1] : text;
        if (!IPAddress.TryParse(host, out var address)) return null;
        return host.Contains(':', StringComparison.Ordinal) || host.Count(c => c == '.') == 3 ? address : null;
    }

    public static IPAddress? Address(string text, List<string> problems)
    {
        var address = Address(text);
        if (address is null) problems.Add($"--listen '{text}' must be an IP address such as 127.0.0.1 or 0.0.0.0 (every interface)");
        return address;
    }

    /// <summary>ADDRESS:PORT, e.g. 0.0.0.0:8080, 127.0.0.1:0 or [::]:8080.</summary>
    public static IPEndPoint? EndPoint(string text, List<string> problems)
    {
        int colon = text.LastIndexOf(':');
        var address = colon > 0 ? Address(text[..colon]) : null;
        bool port = colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p <= 65535;
        if (address is not null && port) return new IPEndPoint(address, int.Parse(text.AsSpan(colon + 1), CultureInfo.InvariantCulture));
        problems.Add($"--listen '{text}' must be ADDRESS:PORT with an IP address and a port from 0 to 65535, such as 0.0.0.0:8080 or 127.0.0.1:0 (0: any free port)");
        return null;
    }
}
