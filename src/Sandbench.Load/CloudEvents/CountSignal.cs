namespace Sandbench.Load.CloudEvents;

/// <summary>A count that only grows, and tasks that complete once it reaches a value (waiting on the event, not polling).</summary>
internal sealed class CountSignal
{
    private readonly Lock _gate = new();
    private readonly List<(long Target, TaskCompletionSource Reached)> _waiters = [];
    private long _count;

    public long Count => Volatile.Read(ref _count);

    public void Increment()
    {
        lock (_gate)
        {
            Volatile.Write(ref _count, _count + 1);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target > _count) continue;
                _waiters[i].Reached.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    /// <summary>Completes once the count is at least <paramref name="target"/> (at once when it already is).</summary>
    public Task WhenAtLeast(long target)
    {
        lock (_gate)
        {
            if (_count >= target) return Task.CompletedTask;
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((target, reached));
            return reached.Task;
        }
    }
}
