using Microsoft.AspNetCore.Http;

namespace Sandbench.Gateway;

// The gateway's first request would otherwise pay for compiling Kestrel's, YARP's and the HTTP client's
// code paths (tens of milliseconds): a cold start measured through it would carry that. So it sends a few
// requests through its own forwarding path to itself before it is handed out.
public sealed partial class GatewayServer
{
    private const string WarmupHeader = "X-Sandbench-Warmup";

    private async Task WarmUpAsync(CancellationToken ct)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, ActivityHeadersPropagator = null });
        for (int i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Url, ".sandbench-warmup"));
            request.Headers.Add(WarmupHeader, _warmupToken);
            request.Headers.Add(WarmupHeader + "-Hop", "1");
            using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>One request to <paramref name="service"/> through the whole path (pool, a sandbox start, forwarding), recorded nowhere.</summary>
    private async Task WarmUpServiceAsync(string service, CancellationToken ct)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, ActivityHeadersPropagator = null });
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        request.Headers.Host = service;
        request.Headers.Add(WarmupHeader, _warmupToken + "-service");
        using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new Sandbench.Core.SandbenchException(
                $"service {service}: the warm-up request got {(int)response.StatusCode}: {body.Trim()}", Sandbench.Core.ExitCodes.RuntimeUnavailable);
    }

    /// <summary>The first hop forwards to the gateway itself with YARP; the second answers.</summary>
    private async Task WarmupAnswerAsync(HttpContext ctx)
    {
        if (ctx.Request.Headers.Remove(WarmupHeader + "-Hop"))
        {
            using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, ActivityHeadersPropagator = null });
            await _forwarder!.SendAsync(ctx, Url.ToString(), invoker, Answers.Config(TimeSpan.FromSeconds(10)), Yarp.ReverseProxy.Forwarder.HttpTransformer.Empty,
                ctx.RequestAborted).ConfigureAwait(false);
            return;
        }
        ctx.Response.StatusCode = 200;
        await ctx.Response.WriteAsync("ok\n", ctx.RequestAborted).ConfigureAwait(false);
    }
}
