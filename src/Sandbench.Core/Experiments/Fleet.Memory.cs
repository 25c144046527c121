using Sandbench.Core.Storage;

namespace Sandbench.Core.Experiments;

/// <summary>The memory of a fleet's sandboxes: read at the sample interval beside the starts, and once for the footprint.</summary>
internal sealed partial class Fleet
{
    /// <summary>Reads every live sandbox's processes at the sample interval (skipped while a reading is still going).</summary>
    private void Sample()
    {
        if (_samplingStopped || !_sampling.TryEnter()) return;
        try
        {
            if (_samplingStopped) return;
            long t0 = Clock.NowNs();
            foreach (var m in Live()) m.AddReading(Read(m, t0));
            Interlocked.Add(ref _samplerBusyNs, Clock.NowNs() - t0);
        }
        finally
        {
            _sampling.Exit();
        }
    }

    private List<FleetMember> Live()
    {
        lock (_gate) return [.. _live];
    }

    private List<ResourceSample> Read(FleetMember m, long now)
    {
        var readings = new List<ResourceSample>();
        IReadOnlyList<int> pids;
        try
        {
            pids = m.Sandbox?.ProcessIds ?? [];
        }
        catch (IOException)
        {
            return readings; // being torn down right now
        }
        foreach (int pid in pids)
            if (_resources.Read(pid, now) is { } s) readings.Add(s);
        return readings;
    }

    /// <summary>
    /// One reading of every sandbox still alive: RSS and PSS summed over its processes, kept as its footprint.
    /// Returns how many sandboxes were alive (the divisor of the host's memory drop).
    /// </summary>
    public int ReadFootprint()
    {
        lock (_sampling)
        {
            long now = Clock.NowNs();
            int alive = 0;
            foreach (var m in Live())
            {
                if (m.Sandbox is not { } sb || sb.HasExited(out _)) continue;
                var readings = Read(m, now);
                m.RssBytes = FleetMember.Sum(readings.Select(r => r.RssBytes));
                m.PssBytes = FleetMember.Sum(readings.Select(r => r.PssBytes));
                m.Processes = readings.Count;
                m.AliveAtReading = true;
                m.AddReading(readings);
                alive++;
            }
            return alive;
        }
    }

    /// <summary>Ends the readings at the interval (before the teardown, which they must not measure).</summary>
    public async Task StopSamplingAsync()
    {
        _samplingStopped = true;
        await _sampler.DisposeAsync().ConfigureAwait(false);
        lock (_sampling)
        {
            // Waits for a reading in progress to end.
        }
    }
}
