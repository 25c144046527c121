using System.Diagnostics;

namespace Sandbench.Load;

/// <summary>
/// Releases each open-loop request at its due time, on a thread of its own: it sleeps
/// (<see cref="PreciseSleep"/>) until 200 µs before the next request is due and spins for the rest,
/// so sends are late by neither a timer's granularity nor a wake-up. A request released to an idle
/// connection is sent from this thread (<see cref="OpenLoop.Release"/>).
/// </summary>
internal static class Dispatcher
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 µs

    public static Thread Start(Schedule schedule, OpenLoop pool, CancellationToken ct)
    {
        var t = new Thread(() => Run(schedule, pool, ct)) { IsBackground = true, Name = "sandbench-load-dispatch", Priority = ThreadPriority.AboveNormal };
        t.Start();
        return t;
    }

    private static void Run(Schedule schedule, OpenLoop pool, CancellationToken ct)
    {
        long released = 0;
        PreciseSleep.TightenTimerSlack();
        try
        {
            while (released < schedule.Total && !ct.IsCancellationRequested)
            {
                long now = Stopwatch.GetTimestamp();
                long due = schedule.DueBy(now);
                for (; released < due; released++) pool.Release(released);
                if (released >= schedule.Total) break;
                long next = schedule.Due(released);
                if (next - Stopwatch.GetTimestamp() > SpinTicks) PreciseSleep.Until(next - SpinTicks, ct);
                else Thread.SpinWait(20);
            }
        }
        finally
        {
            pool.Complete();
        }
    }
}
