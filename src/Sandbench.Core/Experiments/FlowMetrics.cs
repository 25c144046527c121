namespace Sandbench.Core.Experiments;

/// <summary>What the flow experiment stores: sample metrics (per function: <c>METRIC:FUNCTION</c>) and the parameter naming the flow's functions.</summary>
public static class FlowMetrics
{
    /// <summary>Per function: the latency (ns, at the gateway) of its first request, which waited for its sandbox to start.</summary>
    public const string ColdMetric = "cold_ns";

    /// <summary>Per function: the latency (ns, at the gateway) of each of its requests in the measured rounds.</summary>
    public const string WarmMetric = "warm_ns";

    /// <summary>Per measured round: the whole flow's end-to-end latency (ns) as the client saw it.</summary>
    public const string FlowMetric = "flow_ns";

    /// <summary>Parameter: the flow's functions in call order, comma-separated.</summary>
    public const string FunctionsParameter = "functions";
}
