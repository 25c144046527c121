namespace Sandbench.Core.Storage;

/// <summary>Where a gateway's requests and sandboxes are kept, with the run they belong to.</summary>
public interface IGatewayStore
{
    /// <summary>Appends finished requests in one transaction.</summary>
    void AppendGatewayRequests(string runId, IReadOnlyList<GatewayRequestRecord> requests);

    /// <summary>Appends sandboxes that have ended in one transaction.</summary>
    void AppendGatewaySandboxes(string runId, IReadOnlyList<GatewaySandboxRecord> sandboxes);

    /// <summary>The requests of a run, in arrival order.</summary>
    IReadOnlyList<GatewayRequestRecord> GatewayRequests(string runId);

    /// <summary>The sandboxes of a run, in start order.</summary>
    IReadOnlyList<GatewaySandboxRecord> GatewaySandboxes(string runId);
}

/// <summary>One request through the gateway. Times are nanoseconds of the monotonic clock.</summary>
/// <param name="Service">The service it was routed to ("" when none matched).</param>
/// <param name="ArrivalNs">Absolute: the gateway began handling it (request head parsed).</param>
/// <param name="Sandbox">The sandbox that served it (null when none did).</param>
/// <param name="Cold">It waited for a sandbox to start: the one that served it was not yet ready when the request was given to it.</param>
/// <param name="WaitNs">Arrival to the moment a ready sandbox could take it (queueing and, when cold, the sandbox's start).</param>
/// <param name="UpstreamNs">From then to the sandbox's response head arriving at the gateway; null without a response.</param>
/// <param name="TotalNs">Arrival to the end of the response to the client.</param>
/// <param name="Status">The HTTP status the client got.</param>
/// <param name="Error">Why the gateway answered with an error (a failed start, a timeout, the sandbox exited), else null.</param>
public sealed record GatewayRequestRecord(
    string Service,
    long ArrivalNs,
    string Method,
    string Path,
    string? Sandbox,
    bool Cold,
    long WaitNs,
    long? UpstreamNs,
    long TotalNs,
    int Status,
    string? Error)
{
    /// <summary>Absolute: the request left for the sandbox (null when it never did).</summary>
    public long? ForwardedNs { get; init; }

    /// <summary>Absolute: the sandbox's response head arrived at the gateway.</summary>
    public long? FirstByteNs { get; init; }
}

/// <summary>One sandbox the gateway started.</summary>
/// <param name="StartNs">Absolute: the gateway decided to start it.</param>
/// <param name="ReadyNs">Absolute: it could take requests (null: it never could).</param>
/// <param name="StoppedNs">Absolute: its teardown finished.</param>
/// <param name="StopReason"><c>idle</c>, <c>shutdown</c>, <c>failed</c> (never became ready) or <c>exited</c> (ended on its own).</param>
/// <param name="Requests">Requests it served.</param>
/// <param name="Phases">Absolute timestamps of its start (spawn, created, started, workload-start, listening ...).</param>
/// <param name="Readiness">How its readiness was learnt (socket, connect-retry, marker).</param>
public sealed record GatewaySandboxRecord(
    string Name,
    string Service,
    string Runtime,
    long StartNs,
    long? ReadyNs,
    long StoppedNs,
    string StopReason,
    string? Error,
    int Requests,
    IReadOnlyList<KeyValuePair<string, long>> Phases,
    string Readiness)
{
    /// <summary>Worst-case error of the readiness method (connect-retry: the gap between the last refused and the accepted attempt), 0 when exact.</summary>
    public long ReadinessResolutionNs { get; init; }
}
