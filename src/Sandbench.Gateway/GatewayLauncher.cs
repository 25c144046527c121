using Sandbench.Core.Gateway;

namespace Sandbench.Gateway;

/// <summary>
/// Starts a gateway in front of one service, or the functions of an application flow (for experiments: a cold start <c>via: gateway</c>, load
/// aimed at a scaled-to-zero or concurrency-limited service). Supplied to Core by the composition root.
/// </summary>
public sealed class GatewayLauncher(IReadOnlyList<IGatewayObserver>? observers = null) : IGatewayLauncher
{
    public async Task<IGatewayHandle> StartAsync(GatewayLaunch launch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(launch);
        return await GatewayServer.StartAsync(new GatewayOptions([launch.Service, .. launch.MoreServices], launch.WorkDir, launch.SandboxPrefix, launch.Clock)
        {
            ScalingTime = launch.ScalingTime ?? TimeProvider.System,
            Port = launch.Port,
            Observers = observers ?? [],
        }, ct).ConfigureAwait(false);
    }
}
