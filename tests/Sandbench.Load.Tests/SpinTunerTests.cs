namespace Sandbench.Load.Tests;

/// <summary>The closed loop's choice between blocking at once and polling first, on a made-up count of requests sent.</summary>
public sealed class SpinTunerTests
{
    /// <summary>Runs the tuner over slices in which each way sends <paramref name="blocking"/> or <paramref name="polling"/> requests.</summary>
    private static (SpinTuner Tuner, List<int> Ways) Run(long blocking, long polling, int slices = 12)
    {
        long sent = 0, now = 1_000;
        var tuner = new SpinTuner(() => sent, now);
        var ways = new List<int>();
        for (int i = 0; i < slices; i++)
        {
            ways.Add(tuner.Spins);
            sent += i == 0 ? 1_000_000 : tuner.Spins == 0 ? blocking : polling; // the first slice (connections opening) is not judged
            now += SpinTuner.SliceTicks;
            tuner.Tick(now - 1); // within the slice: nothing changes
            tuner.Tick(now);
        }
        return (tuner, ways);
    }

    [Fact]
    public void Tick_PollingSendsMore_PollingKept()
    {
        var (tuner, ways) = Run(blocking: 1000, polling: 1200);

        Assert.Equal(SpinTuner.PollSpins, tuner.Chosen);
        Assert.Equal(SpinTuner.PollSpins, tuner.Spins);
        // Unjudged first slice, then A B B A A B B A A B, then the choice.
        int p = SpinTuner.PollSpins;
        Assert.Equal([0, 0, p, p, 0, 0, p, p, 0, 0, p, p], ways);
    }

    [Fact]
    public void Tick_BlockingSendsMore_BlockingKept_FirstSliceNotJudged()
    {
        // The first slice's huge count would favour blocking if judged; blocking wins here on its own counts anyway.
        var (tuner, _) = Run(blocking: 1200, polling: 1000);

        Assert.Equal(0, tuner.Chosen);
        Assert.Equal(0, tuner.Spins);
    }

    [Fact]
    public void Tick_FirstSliceNotJudged_PollingStillWins()
    {
        // The unjudged first slice runs blocking and sends 1,000,000: were it counted, blocking would win.
        var (tuner, _) = Run(blocking: 1000, polling: 1001);

        Assert.Equal(SpinTuner.PollSpins, tuner.Chosen);
    }

    [Fact]
    public void Tick_RunShorterThanTheTrial_NothingChosen()
    {
        var (tuner, _) = Run(blocking: 1000, polling: 1200, slices: 6);

        Assert.Null(tuner.Chosen);
    }
}
