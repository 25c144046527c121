using Sandbench.Core.Storage;

namespace Sandbench.Gateway;

/// <summary>Hears what a gateway does. Called on the gateway's threads: keep it quick (queue work elsewhere).</summary>
public interface IGatewayObserver
{
    /// <summary>The gateway decided to start a sandbox for <paramref name="service"/>.</summary>
    void SandboxStarting(string service, string name, string reason) { }

    /// <summary>A sandbox can take requests (for socket activation: its first response arrived).</summary>
    void SandboxReady(string service, string name, long startNs, long readyNs) { }

    /// <summary>A sandbox is gone (idle, failed, exited or shut down); its record is final.</summary>
    void SandboxStopped(GatewaySandboxRecord sandbox) { }

    /// <summary>A request found no free sandbox and waits; <paramref name="waiting"/> requests wait now.</summary>
    void RequestQueued(string service, int waiting) { }

    /// <summary>A request ended (its response was sent, or the client went away).</summary>
    void RequestDone(GatewayRequestRecord request) { }
}

/// <summary>Tells several observers.</summary>
internal sealed class Observers(IReadOnlyList<IGatewayObserver> all) : IGatewayObserver
{
    public void SandboxStarting(string service, string name, string reason)
    {
        foreach (var o in all) o.SandboxStarting(service, name, reason);
    }

    public void SandboxReady(string service, string name, long startNs, long readyNs)
    {
        foreach (var o in all) o.SandboxReady(service, name, startNs, readyNs);
    }

    public void SandboxStopped(GatewaySandboxRecord sandbox)
    {
        foreach (var o in all) o.SandboxStopped(sandbox);
    }

    public void RequestQueued(string service, int waiting)
    {
        foreach (var o in all) o.RequestQueued(service, waiting);
    }

    public void RequestDone(GatewayRequestRecord request)
    {
        foreach (var o in all) o.RequestDone(request);
    }
}

/// <summary>The gateway refuses a request with a status and a reason (no sandbox free in time, a failed start, shutting down).</summary>
public sealed class GatewayRefusedException(int status, string reason) : Exception(reason)
{
    public int Status { get; } = status;
}
