using Sandbench.Core.Experiments;

namespace Sandbench.Core.Tests.Experiments;

public sealed class SyscallLineTests
{
    [Fact]
    public void Parse_MeasuredAndRefusedOps_InOrderWithCounts()
    {
        var r = SyscallLine.Parse("sandbench-syscall v1 min_ns=20000000 reps=3 getpid=954.00/24576 clock_gettime=25.32/851968 fork_wait=!EPERM");

        Assert.Equal(20_000_000, r.MinNs);
        Assert.Equal(3, r.Reps);
        Assert.Equal(["getpid", "clock_gettime", "fork_wait"], r.Ops.Select(o => o.Name));
        Assert.Equal(954.0, r.Ops[0].Ns);
        Assert.Equal(24576, r.Ops[0].Iterations);
        Assert.Equal(25.32, r.Ops[1].Ns, 9);
        Assert.Null(r.Ops[1].Refused);
        Assert.Equal("EPERM", r.Ops[2].Refused);
    }

    [Fact]
    public void Find_ConsoleWithKernelLinesAndCarriageReturns_TakesTheLastReportLine()
    {
        string console = "[    0.5] Linux version 6.1\r\nsandbench-init\r\nsandbench-syscall v1 min_ns=1000000 getpid=100.00/64\r\nsandbench-exit 0\r\n";

        var r = SyscallLine.Find(console);

        Assert.NotNull(r);
        Assert.Equal(100.0, Assert.Single(r.Ops).Ns);
    }

    [Fact]
    public void Find_NoReportLine_Null() => Assert.Null(SyscallLine.Find("hello: ok\n"));

    [Theory]
    [InlineData("sandbench-syscall v2 min_ns=1 getpid=1.00/1", "not a 'sandbench-syscall v1' line")]
    [InlineData("sandbench-syscall v1 getpid=1.00/1", "no min_ns=N")]
    [InlineData("sandbench-syscall v1 min_ns=1", "names no operation")]
    [InlineData("sandbench-syscall v1 min_ns=1 getpid=1.00", "bad value for getpid")]
    [InlineData("sandbench-syscall v1 min_ns=1 getpid=1.00/0", "bad value for getpid")]
    [InlineData("sandbench-syscall v1 min_ns=1 getpid=-1.00/5", "bad value for getpid")]
    [InlineData("sandbench-syscall v1 min_ns=1 Get;pid=1.00/5", "bad item")]
    [InlineData("sandbench-syscall v1 min_ns=1 reps=x getpid=1.00/5", "bad reps=")]
    public void Parse_Malformed_FormatExceptionSaysWhat(string line, string expected)
    {
        var e = Assert.Throws<FormatException>(() => SyscallLine.Parse(line));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
