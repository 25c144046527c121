namespace Sandbench.Core.Plans;

/// <summary>
/// Settings of the experiments that run many sandboxes at once (<c>scale</c>, <c>density</c>); null on
/// every other experiment. Each is a plan key of the same name.
/// </summary>
/// <param name="Counts">scale: the ladder of N, ascending; each N is one step (one trial).</param>
/// <param name="StartConcurrency">How many sandboxes may be starting at one time; null: all of a step (or batch) at once.</param>
/// <param name="MinAnswered">scale: a step breaks the ladder when fewer than this fraction of its sandboxes answered.</param>
/// <param name="MemoryFloorBytes">No sandbox is started while the host's MemAvailable is below this (recorded as out of memory).</param>
/// <param name="DropCaches">Drop the page cache (sync; 3 &gt; drop_caches) before each MemAvailable reading of the footprint.</param>
/// <param name="Batch">density: sandboxes started at once per batch.</param>
/// <param name="MaxCount">density: never more sandboxes than this.</param>
/// <param name="MaxDuration">density: no batch starts after this long.</param>
public sealed record FleetSpec(
    IReadOnlyList<int> Counts,
    int? StartConcurrency,
    double MinAnswered,
    long MemoryFloorBytes,
    bool DropCaches,
    int Batch,
    int MaxCount,
    TimeSpan MaxDuration)
{
    public const string Scale = "scale";
    public const string Density = "density";

    /// <summary>The experiment types that take these settings.</summary>
    public static IReadOnlyList<string> Types { get; } = [Scale, Density];

    public static FleetSpec Defaults { get; } = new(
        [1, 5, 10, 25, 50, 100], null, 0.95, 2L << 30, true, 10, 1000, TimeSpan.FromMinutes(10));

    /// <summary>Defaults of the common keys where these experiments differ from a cold start.</summary>
    public static TimeSpan DefaultTimeout(string type) => type == Scale ? TimeSpan.FromSeconds(120) : TimeSpan.FromSeconds(60);

    /// <summary>Warm-up sandboxes, started one at a time before each step (or before the first batch).</summary>
    public const int DefaultWarmup = 1;

    /// <summary>Memory readings of every sandbox's processes; each costs a /proc read per process, so less often than boot's.</summary>
    public static TimeSpan DefaultSampleInterval { get; } = TimeSpan.FromSeconds(2);

    /// <summary>The least time between two connect attempts to the same waiting sandbox.</summary>
    public static TimeSpan DefaultRetrySpacing { get; } = TimeSpan.FromMilliseconds(1);
}
