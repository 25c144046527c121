using System.Runtime;

namespace Sandbench.Store;

/// <summary>
/// Holds garbage collection off while a large run is read into memory. Everything such a read allocates (records,
/// their phases and samples) lives on, so a collection in between finds nothing to free and only copies the young
/// objects into the older generations, once or twice (a third of the read's time on a run of 300,000 trials). With a
/// no-GC region the read allocates straight into memory the runtime set aside for it. If the read needs more than
/// the estimate, the runtime ends the region itself and collects as usual. A command that keeps what it read and
/// computes from it (a report: 250 MiB allocated over 300,000 trials, 20 MiB of it garbage) holds one region over
/// all of it, which the store's own read then joins.
/// </summary>
public sealed class NoGcRegion : IDisposable
{
    /// <summary>Smaller reads are not worth a region.</summary>
    private const int MinTrials = 10_000;

    /// <summary>A generous estimate of what one trial of a read allocates (its record, segments, share of phases and samples).</summary>
    private const long BytesPerTrial = 1024;

    private const long MaxBytes = 512L << 20;

    private readonly bool _started;

    private NoGcRegion(bool started) => _started = started;

    /// <summary>A region for reading <paramref name="trials"/> trials, and <paramref name="extraBytes"/> more; none for small reads.</summary>
    public static NoGcRegion For(int trials, long extraBytes = 0)
    {
        // Inside a region already (the caller's, for more than this read): a second start would end it.
        if (trials < MinTrials || GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) return new NoGcRegion(false);
        try
        {
            return new NoGcRegion(GC.TryStartNoGCRegion(Math.Min(MaxBytes, trials * BytesPerTrial + extraBytes)));
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            // Larger than the runtime allows, or another read already holds a region: read with collections as usual.
            return new NoGcRegion(false);
        }
    }

    public void Dispose()
    {
        // The region may have ended on its own (the read needed more); ending it then would throw.
        if (_started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
                // Ended by a collection another thread induced meanwhile.
            }
        }
    }
}
