using System.Collections.Concurrent;

namespace Sandbench.Core.Timing;

/// <summary>
/// The one monotonic clock every duration comes from. On Linux <see cref="TimeProvider.System"/>
/// reads CLOCK_MONOTONIC in nanoseconds, the same clock a workload inside a container that shares
/// the host kernel's clock reads, so a workload's own timestamps can be placed on this time line.
/// </summary>
public sealed class MonotonicClock(TimeProvider time)
{
    public static MonotonicClock System { get; } = new(TimeProvider.System);

    public TimeProvider Time { get; } = time;

    /// <summary>Now, in nanoseconds of the monotonic clock.</summary>
    public long NowNs() => ToNs(Time.GetTimestamp());

    public long ToNs(long timestamp)
    {
        long freq = Time.TimestampFrequency;
        // Whole seconds and the remainder apart: no overflow and no rounding for any timestamp.
        return freq == 1_000_000_000 ? timestamp
            : (timestamp / freq * 1_000_000_000) + (timestamp % freq * 1_000_000_000 / freq);
    }

    /// <summary>True when this clock is CLOCK_MONOTONIC in nanoseconds (workload markers can be aligned).</summary>
    public bool IsHostMonotonic => ReferenceEquals(Time, TimeProvider.System) && OperatingSystem.IsLinux()
        && Time.TimestampFrequency == 1_000_000_000;
}

/// <summary>
/// Records the named phases of one trial as nanoseconds on the monotonic clock. Thread-safe:
/// a runtime's start path and the request path mark phases from different threads.
/// </summary>
public sealed class PhaseClock(MonotonicClock clock)
{
    private readonly ConcurrentDictionary<string, long> _phases = new(StringComparer.Ordinal);

    public MonotonicClock Clock { get; } = clock;

    /// <summary>Marks <paramref name="phase"/> now and returns the timestamp (ns). The first mark of a name wins.</summary>
    public long Mark(string phase)
    {
        long now = Clock.NowNs();
        _phases.TryAdd(phase, now);
        return now;
    }

    /// <summary>Marks a phase at a timestamp taken elsewhere (a workload marker, a watch event).</summary>
    public void MarkAt(string phase, long ns) => _phases.TryAdd(phase, ns);

    public bool TryGet(string phase, out long ns) => _phases.TryGetValue(phase, out ns);

    /// <summary>All phases as absolute monotonic nanoseconds, in time order.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot() =>
        [.. _phases.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)];
}

/// <summary>Phase names shared by runtimes, experiments, the store and the report.</summary>
public static class Phases
{
    /// <summary>The tool asks the runtime to start a sandbox: the origin of every cold start.</summary>
    public const string Spawn = "spawn";
    /// <summary>OCI <c>create</c> returned (container created, process not yet started).</summary>
    public const string Created = "created";
    /// <summary>OCI <c>start</c> returned.</summary>
    public const string Started = "started";
    /// <summary>The workload's own first timestamp (its <c>main</c> ran), from its stdout marker.</summary>
    public const string WorkloadStart = "workload-start";
    /// <summary>The function is ready to accept: its marker, or the first accepted connect.</summary>
    public const string Listening = "listening";
    public const string RequestSent = "request-sent";
    public const string FirstByte = "first-byte";
    /// <summary>The sandbox ended on its own (its workload ran to completion; a VM's VMM exited after the guest powered off).</summary>
    public const string Exit = "exit";
    /// <summary>Teardown finished: nothing of the sandbox is left.</summary>
    public const string Done = "done";

    /// <summary>A VMM answers on its control socket (QMP greeting, API socket ready).</summary>
    public const string VmmReady = "vmm-ready";
    /// <summary>The VMM answers commands (QMP capabilities negotiated): its machine is built and it can start the guest.</summary>
    public const string VmmCommands = "vmm-commands";
    /// <summary>The guest was let run (QMP <c>cont</c>, Firecracker <c>InstanceStart</c>).</summary>
    public const string Boot = "boot";
    /// <summary>The first byte on the guest's serial console.</summary>
    public const string GuestKernel = "guest-kernel";
    /// <summary>The guest init's first marker (the kernel handed over to init), host arrival time.</summary>
    public const string GuestInit = "guest-init";
    /// <summary>The guest init brought the network up.</summary>
    public const string GuestNet = "guest-net";
    /// <summary>"Run /init as init process" by the guest's printk clock, placed at boot + its printk time.</summary>
    public const string GuestPrintkInit = "guest-printk-init";
    /// <summary>"Freeing unused kernel memory" by the guest's printk clock, placed at boot + its printk time.</summary>
    public const string GuestPrintkFreeing = "guest-printk-freeing";
    /// <summary>The VMM reported the guest's power-off or reset (QMP <c>SHUTDOWN</c> event, host arrival time).</summary>
    public const string VmmShutdown = "vmm-shutdown";
    /// <summary>The guest's workload exited (init's marker, host arrival time).</summary>
    public const string WorkloadExit = "workload-exit";

    /// <summary>A gateway began handling the request (its head parsed).</summary>
    public const string GatewayReceived = "gateway-received";
    /// <summary>The gateway sent the request on to a sandbox.</summary>
    public const string Forwarded = "forwarded";
    /// <summary>The sandbox's response head reached the gateway.</summary>
    public const string UpstreamFirstByte = "upstream-first-byte";
}
