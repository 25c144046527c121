using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Sandbench.Kubernetes.Tests;

/// <summary>The fakes' HTTP servers: Kestrel on 127.0.0.1 at a free port, without logging.</summary>
internal static class LoopbackApp
{
    public static WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder.Build();
    }
}
