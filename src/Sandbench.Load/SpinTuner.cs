using System.Diagnostics;

namespace Sandbench.Load;

/// <summary>
/// How a closed-loop worker waits for its sockets: straight into a blocking epoll_wait, or polling a few times first
/// (<see cref="PollSpins"/> non-blocking waits). A server that saturates its own CPU (nginx with one worker) serves more
/// when its clients are awake as its responses land, since waking a sleeping client is part of the server's write; a
/// cheap server on the same 2 CPUs serves less when the client polls, since the polling takes its CPU. Which one a
/// server is shows only by trying: the first 100 ms of the run are not judged (connections open, code warms up), then
/// ten 100 ms slices alternate the two ways in the order A B B A A B B A A B (so a drift in the host's speed favours
/// neither), and the way that sent more requests is kept for the rest of the run.
/// </summary>
internal sealed class SpinTuner(Func<long> sent, long startTimestamp)
{
    /// <summary>Non-blocking waits before a blocking one, when polling.</summary>
    public const int PollSpins = 20;

    private const int Slices = 10;
    /// <summary>One slice: 100 ms in <see cref="Stopwatch"/> ticks.</summary>
    public static readonly long SliceTicks = Stopwatch.Frequency / 10;

    private readonly long[] _sent = new long[2];
    private int _slice = -1; // the unjudged first slice
    private long _sliceStart = startTimestamp, _sentAtSliceStart;
    private volatile int _spins;

    /// <summary>Non-blocking waits a worker makes before it blocks, now.</summary>
    public int Spins => _spins;

    /// <summary>The way kept, once chosen: 0 (block at once) or <see cref="PollSpins"/>; null while still trying.</summary>
    public int? Chosen { get; private set; }

    /// <summary>Called by one worker on every turn of its loop.</summary>
    public void Tick(long now)
    {
        if (Chosen is not null || now - _sliceStart < SliceTicks) return;
        long total = sent();
        if (_slice >= 0) _sent[Mode(_slice)] += total - _sentAtSliceStart;
        _slice++;
        _sliceStart = now;
        _sentAtSliceStart = total;
        if (_slice < Slices)
        {
            _spins = Mode(_slice) == 1 ? PollSpins : 0;
            return;
        }
        Chosen = _sent[1] > _sent[0] ? PollSpins : 0;
        _spins = Chosen.Value;
    }

    /// <summary>0 or 1 for slice k: A B B A A B B A ...</summary>
    internal static int Mode(int k) => (k + 1) / 2 % 2;

    /// <summary>A tuner over the requests <paramref name="connections"/> have sent.</summary>
    public static SpinTuner For(Connection[] connections, long startTimestamp) => new(() =>
    {
        long n = 0;
        foreach (var c in connections) n += Volatile.Read(ref c.Stats.Sent);
        return n;
    }, startTimestamp);
}
