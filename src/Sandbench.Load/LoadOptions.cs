using System.Globalization;
using System.Text;

namespace Sandbench.Load;

/// <summary>
/// What a load run does. Open loop (<see cref="Rate"/> set): request i is due at t0 + i/Rate, sent on
/// the next free connection. Closed loop (<see cref="Rate"/> null): every connection sends its next
/// request as soon as the previous response ends.
/// </summary>
public sealed record LoadOptions
{
    public required Uri Target { get; init; }

    /// <summary>Requests per second (open loop), or null for closed loop.</summary>
    public double? Rate { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections (open loop) or concurrency (closed loop).</summary>
    public int Connections { get; init; } = 32;

    /// <summary>Per-request limit, also the longest a due request may wait for a connection before it counts as dropped.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public string Method { get; init; } = "GET";

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public byte[] Body { get; init; } = [];

    /// <summary>Send each request as a CloudEvent (null: send the same plain request every time).</summary>
    public CloudEvents.CloudEventOptions? CloudEvents { get; init; }

    /// <summary>Every problem with these options, one complete sentence each; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Target.IsAbsoluteUri || Target.Scheme != Uri.UriSchemeHttp || string.IsNullOrEmpty(Target.Host))
            problems.Add($"URL '{Target.OriginalString}' must be an absolute http:// URL such as http://127.0.0.1:8080/ (https is not supported)");
        if (Rate is { } r && (!(r > 0) || double.IsInfinity(r) || r > 10_000_000))
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"--rate must be above 0 and at most 10000000 requests per second (got {r})"));
        if (Duration <= TimeSpan.Zero) problems.Add("--duration must be above 0 (e.g. 10s)");
        if (Timeout <= TimeSpan.Zero) problems.Add("--timeout must be above 0 (e.g. 30s)");
        if (Connections is < 1 or > 10_000) problems.Add("--connections/--concurrency must be from 1 to 10000");
        if (Method.Length == 0 || Method.Any(c => c is <= ' ' or >= (char)127 or '(' or ')' or ':' or '"'))
            problems.Add($"--method '{Method}' is not an HTTP method token");
        foreach (var (name, value) in Headers)
        {
            if (name.Length == 0 || name.Any(c => c is <= ' ' or >= (char)127 or ':'))
                problems.Add($"--header '{name}: {value}': the name must be a token (letters, digits, '-')");
            if (value.Any(c => c is '\r' or '\n' or >= (char)127))
                problems.Add($"--header '{name}': the value must be printable ASCII on one line");
        }
        if (CloudEvents is not null) problems.AddRange(CloudEvents.Validate(this));
        return problems;
    }

    /// <summary>The request every connection sends, as bytes on the wire.</summary>
    public byte[] RequestBytes()
    {
        var sb = RequestHead();
        if (Body.Length > 0 || Method is "POST" or "PUT" or "PATCH")
            sb.Append("Content-Length: ").Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        sb.Append("\r\n");
        return [.. Encoding.ASCII.GetBytes(sb.ToString()), .. Body];
    }

    /// <summary>The request line, Host and the user's headers (less Content-Length), each ending in CRLF.</summary>
    internal StringBuilder RequestHead()
    {
        var sb = new StringBuilder();
        sb.Append(Method).Append(' ').Append(Target.PathAndQuery).Append(" HTTP/1.1\r\n");
        bool hasHost = Headers.Any(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase));
        if (!hasHost) sb.Append("Host: ").Append(Target.IsDefaultPort ? Target.Host : $"{Target.Host}:{Target.Port}").Append("\r\n");
        foreach (var (name, value) in Headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
            sb.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        return sb;
    }
}
