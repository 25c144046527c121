using Sandbench.Core.Host;

namespace Sandbench.Core.Tests.Host;

/// <summary>Affinity of single threads: what a cold start's request side uses, on this process's own threads.</summary>
public sealed class ThreadAffinityTests
{
    /// <summary>Runs <paramref name="body"/> on a thread of its own with that thread's kernel id.</summary>
    private static void OnOwnThread(Action<int> body)
    {
        Exception? failure = null;
        var t = new Thread(() =>
        {
            try
            {
                body(ThreadAffinity.CurrentThreadId());
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        t.Start();
        t.Join();
        if (failure is not null) throw new Xunit.Sdk.XunitException(failure.ToString());
    }

    [Fact]
    public void PinTo_RestrictsOneThread_SetGivesItBack_OthersUntouched()
    {
        byte[] process = ThreadAffinity.Get(0)!;
        OnOwnThread(tid =>
        {
            Assert.True(ThreadAffinity.PinTo(tid, 0));
            byte[] pinned = ThreadAffinity.Get(tid)!;
            Assert.Equal(1, pinned[0] & 1);
            Assert.Equal(1, pinned.Sum(b => System.Numerics.BitOperations.PopCount(b)));
            Assert.Equal(pinned, ThreadAffinity.Get(0)); // the caller here is that very thread
            Assert.True(ThreadAffinity.Set(tid, process));
            Assert.Equal(process, ThreadAffinity.Get(tid));
        });
        Assert.Equal(process, ThreadAffinity.Get(0));
    }

    [Fact]
    public void PinTo_NoSuchCpu_IsRefused()
    {
        Assert.False(ThreadAffinity.PinTo(ThreadAffinity.CurrentThreadId(), -1));
        Assert.False(ThreadAffinity.PinTo(ThreadAffinity.CurrentThreadId(), 1 << 20));
    }

    [Fact]
    public void ThreadsKeptOn_FindsAThreadLeftOnOneCpu_NotTheOthers()
    {
        Assert.SkipWhen(Environment.ProcessorCount < 2, "one CPU: a thread on CPU 0 is a thread on every CPU");
        byte[] process = ThreadAffinity.Get(0)!;
        OnOwnThread(tid =>
        {
            Assert.True(ThreadAffinity.PinTo(tid, 0));
            try
            {
                var kept = ThreadAffinity.ThreadsKeptOn([Environment.ProcessId], 0, process);
                Assert.Equal([tid], kept);
                Assert.Empty(ThreadAffinity.ThreadsKeptOn([Environment.ProcessId], 1, process));
            }
            finally
            {
                ThreadAffinity.Set(tid, process);
            }
            Assert.Empty(ThreadAffinity.ThreadsKeptOn([Environment.ProcessId], 0, process));
        });
    }
}
