using System.Net;
using Microsoft.AspNetCore.Http;
using Sandbench.Core.Timing;
using Yarp.ReverseProxy.Forwarder;

namespace Sandbench.Gateway;

/// <summary>What the forwarding of one request saw, kept in the request's features for the transformer.</summary>
internal sealed class ForwardState(ServicePool pool, Lease lease, MonotonicClock clock)
{
    public ServicePool Pool { get; } = pool;

    public Lease Lease { get; } = lease;

    public MonotonicClock Clock { get; } = clock;

    /// <summary>The request left for the sandbox.</summary>
    public long? ForwardedNs { get; set; }

    /// <summary>The sandbox's response head arrived.</summary>
    public long? FirstByteNs { get; set; }
}

/// <summary>
/// YARP's plain copy of request and response (headers, body framing, trailers; the client's Host header is
/// kept, as Knative's activator keeps it), plus two timestamps: when the request leaves, when the response head arrives.
/// </summary>
internal sealed class StampingTransformer : HttpTransformer
{
    public static StampingTransformer Instance { get; } = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix,
        CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var state = httpContext.Features.Get<ForwardState>()!;
        state.ForwardedNs = state.Clock.NowNs();
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is not null)
        {
            var state = httpContext.Features.Get<ForwardState>()!;
            long now = state.Clock.NowNs();
            state.FirstByteNs = now;
            state.Pool.OnResponseHead(state.Lease.Sandbox, now);
        }
        return base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
    }
}

/// <summary>The gateway's own answers.</summary>
internal static class Answers
{
    public const string ErrorHeader = "X-Sandbench-Gateway-Error";

    public static ForwarderRequestConfig Config(TimeSpan upstreamTimeout) => new()
    {
        ActivityTimeout = upstreamTimeout,
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>Answers with <paramref name="status"/> and the reason, in the body and in a header, unless the response has begun.</summary>
    public static async Task RefuseAsync(HttpContext ctx, int status, string reason)
    {
        if (ctx.Response.HasStarted || ctx.RequestAborted.IsCancellationRequested) return;
        ctx.Response.Clear();
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        ctx.Response.Headers[ErrorHeader] = reason.ReplaceLineEndings(" ");
        try
        {
            await ctx.Response.WriteAsync(reason + "\n", ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client went away.
        }
    }

    public static string Describe(ForwarderError error, HttpContext ctx)
    {
        var e = ctx.GetForwarderErrorFeature()?.Exception;
        string detail = e is null ? "" : ": " + (e.InnerException?.Message ?? e.Message);
        return error switch
        {
            ForwarderError.RequestTimedOut => "the sandbox sent nothing within the upstream timeout" + detail,
            ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled => "the client went away" + detail,
            _ => $"forwarding failed ({error}){detail}",
        };
    }
}
