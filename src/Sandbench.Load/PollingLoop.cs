using System.Diagnostics;

namespace Sandbench.Load;

/// <summary>
/// The closed loop on Linux: the connections are split among as many worker threads as there are CPUs (at most one
/// per connection), as wrk splits them among its threads; each worker waits on an epoll of its own and, when a
/// response is complete, sends the next request from the same thread at once. Every request still ends by the
/// run's end (no new one starts after it) or by its timeout, which the worker checks every 10 ms. Whether a worker polls
/// a few times before it sleeps in epoll_wait is tried and chosen in the run's first second (<see cref="SpinTuner"/>).
/// </summary>
internal static class PollingLoop
{
    private static readonly long TickTicks = Stopwatch.Frequency / 100;

    public static Task RunAsync(Connection[] connections, SpinTuner tuner, CancellationToken ct)
    {
        int threads = Math.Clamp(Environment.ProcessorCount, 1, Math.Max(connections.Length, 1));
        var done = new Task[threads];
        for (int k = 0; k < threads; k++)
        {
            var mine = connections.Where((_, i) => i % threads == k).ToArray();
            var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            int worker = k;
            var thread = new Thread(() =>
            {
                try
                {
                    Work(mine, worker == 0, tuner, ct);
                    finished.SetResult();
                }
                catch (Exception e)
                {
                    finished.SetException(e);
                }
            }) { IsBackground = true, Name = $"sandbench-load-{k}" };
            thread.Start();
            done[k] = finished.Task;
        }
        return Task.WhenAll(done);
    }

    /// <param name="tunes">This worker drives <paramref name="tuner"/> (one worker does).</param>
    private static void Work(Connection[] mine, bool tunes, SpinTuner tuner, CancellationToken ct)
    {
        using var epoll = new Epoll(mine.Length);
        for (int i = 0; i < mine.Length; i++) mine[i].StartPolling(epoll, i, ct);
        long lastTick = Stopwatch.GetTimestamp();
        while (!ct.IsCancellationRequested)
        {
            bool active = false, retry = false;
            foreach (var c in mine)
            {
                active |= c.Active;
                retry |= c.WantsRetry;
            }
            if (!active) return;
            // A connection that failed at once is tried again without waiting (as the other closed loops do).
            int n = 0;
            for (int spin = tuner.Spins; spin > 0 && n == 0; spin--) n = epoll.Wait(0);
            if (n == 0) n = epoll.Wait(retry ? 0 : 10);
            for (int i = 0; i < n; i++) mine[epoll.TagOf(i)].OnReady();
            long now = Stopwatch.GetTimestamp();
            if (tunes) tuner.Tick(now);
            if (retry || now - lastTick >= TickTicks)
            {
                lastTick = now;
                foreach (var c in mine) c.Tick(now);
            }
        }
    }
}
