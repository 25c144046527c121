using System.Diagnostics;
using System.Threading.Channels;

namespace Sandbench.Load;

/// <summary>
/// Releases each open-loop request to the connections at its due time, on a thread of its own: it
/// waits on the cancellation handle while the next request is more than 2 ms away and spins (yielding)
/// for the last stretch, so sends are not late by a timer's granularity.
/// </summary>
internal static class Dispatcher
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 500; // 2 ms

    public static Thread Start(Schedule schedule, ChannelWriter<long> writer, CancellationToken ct)
    {
        var t = new Thread(() => Run(schedule, writer, ct)) { IsBackground = true, Name = "sandbench-load-dispatch", Priority = ThreadPriority.AboveNormal };
        t.Start();
        return t;
    }

    private static void Run(Schedule schedule, ChannelWriter<long> writer, CancellationToken ct)
    {
        long released = 0;
        try
        {
            while (released < schedule.Total && !ct.IsCancellationRequested)
            {
                long now = Stopwatch.GetTimestamp();
                long due = schedule.DueBy(now);
                for (; released < due; released++) writer.TryWrite(released);
                if (released >= schedule.Total) break;
                long wait = schedule.Due(released) - Stopwatch.GetTimestamp();
                if (wait > SpinTicks)
                    ct.WaitHandle.WaitOne(TimeSpan.FromSeconds((double)(wait - SpinTicks / 2) / Stopwatch.Frequency));
                else if (wait > 0)
                    Thread.Yield();
            }
        }
        finally
        {
            writer.TryComplete();
        }
    }
}
