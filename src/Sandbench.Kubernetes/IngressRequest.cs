using System.Net;
using System.Net.Sockets;
using System.Text;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Timing;

namespace Sandbench.Kubernetes;

/// <summary>
/// The cold request through the ingress, as kperf sends it: to the gateway's address with the Service's
/// host name as Host (for OpenFaaS, to the gateway's /function/NAME path). Marks request-sent when the request
/// is written and first-byte when the first byte of
/// the response arrives; the status line must be a 200.
/// </summary>
internal static class IngressRequest
{
    public static async Task SendAsync(string gateway, string host, PhaseClock phases, CancellationToken ct, string path = "/")
    {
        if (!KnativeSettings.TryGateway(gateway, out string gwHost, out int port))
            throw new TrialFailedException($"gateway '{gateway}' is not HOST:PORT");
        var addresses = IPAddress.TryParse(gwHost, out var ip) ? [ip] : await Dns.GetHostAddressesAsync(gwHost, ct).ConfigureAwait(false);
        using var s = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await s.ConnectAsync(addresses, port, ct).ConfigureAwait(false);
        byte[] request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: sandbench\r\nConnection: close\r\n\r\n");
        await s.SendAsync(request, SocketFlags.None, ct).ConfigureAwait(false);
        phases.Mark(Phases.RequestSent);
        var buffer = new byte[512];
        int n = await s.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
        phases.Mark(Phases.FirstByte);
        int r;
        while (n < 12 && (r = await s.ReceiveAsync(buffer.AsMemory(n), SocketFlags.None, ct).ConfigureAwait(false)) > 0) n += r;
        if (n == 0) throw new TrialFailedException("the ingress closed the connection without a response");
        string head = Encoding.ASCII.GetString(buffer, 0, n).Split('\r')[0];
        if (!head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) && !head.StartsWith("HTTP/1.0 200", StringComparison.Ordinal))
            throw new TrialFailedException($"the ingress answered '{head}' (is the gateway address right, and the Host '{host}' {(path == "/" ? "routed" : $"and path {path} served")}?)");
    }

    /// <summary>A warm trial's first request, which shows a replica serves: answered within <paramref name="startTimeout"/>.</summary>
    /// <exception cref="TimeoutException">No answer within <paramref name="startTimeout"/>.</exception>
    public static async Task FirstAnswerAsync(string gateway, string host, TimeSpan startTimeout, MonotonicClock clock, CancellationToken ct, string path = "/")
    {
        using var first = CancellationTokenSource.CreateLinkedTokenSource(ct);
        first.CancelAfter(startTimeout);
        try
        {
            await SendAsync(gateway, host, new PhaseClock(clock), first.Token, path).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"the first request was not answered within start-timeout {Durations.Format(startTimeout)}");
        }
    }

    /// <summary>The host name of a Service's URL (status.url), e.g. hello.default.example.com.</summary>
    public static string? HostOf(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Host : null;
}
