using System.Text;
using HdrHistogram;
using Sandbench.Load;

namespace Sandbench.Load.Tests;

/// <summary>The in-function duration a response reports, and the overhead derived from it (response − function).</summary>
public sealed class FunctionDurationTests
{
    private static ResponseParser Parse(string headers)
    {
        var p = new ResponseParser();
        p.Reset();
        string wire = $"HTTP/1.1 200 OK\r\n{headers}Content-Length: 3\r\n\r\nok\n";
        Assert.Equal(ParseState.Complete, p.Feed(Encoding.ASCII.GetBytes(wire), out _));
        return p;
    }

    [Fact]
    public void Parser_Header_ReadsNanoseconds_CaseInsensitive()
    {
        Assert.Equal(4_005_059, Parse("x-function-duration-ns: 4005059\r\n").FunctionNs);
        Assert.Equal(12, Parse("X-Function-Duration-Ns:12 \r\n").FunctionNs);
    }

    [Theory]
    [InlineData("")]
    [InlineData("X-Function-Duration-Ns: 4.5\r\n")]
    [InlineData("X-Function-Duration-Ns: -3\r\n")]
    [InlineData("X-Function-Duration-Ns: \r\n")]
    public void Parser_NoOrUnreadableHeader_NotReported(string header) => Assert.Equal(-1, Parse(header).FunctionNs);

    [Fact]
    public void Parser_NextResponse_ForgetsThePreviousDuration()
    {
        var p = Parse("X-Function-Duration-Ns: 7\r\n");
        p.Reset();
        Assert.Equal(ParseState.Complete, p.Feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8, out _));
        Assert.Equal(-1, p.FunctionNs);
    }

    [Fact]
    public void RecordFunction_OverheadIsResponseMinusFunction_InMicroseconds()
    {
        var s = new WorkerStats();

        s.RecordFunction(responseNs: 5_250_000, functionNs: 4_000_000);
        s.RecordFunction(responseNs: 2_000_400, functionNs: 1_999_900);

        Assert.Equal(2, s.Function.TotalCount);
        Assert.Equal(2, s.Overhead.TotalCount);
        Assert.Equal(1, s.Overhead.GetCountAtValue(1_250));   // 5.25 ms − 4 ms
        Assert.Equal(1, s.Overhead.GetCountAtValue(1));       // 500 ns rounds to 1 µs
        Assert.Equal(1, s.Function.GetCountAtValue(4_000));
        Assert.Equal(1, s.Function.GetCountAtValue(2_000));   // 1 999 900 ns rounds to 2 000 µs
        Assert.Equal(0, s.FunctionExceedsResponse);
    }

    [Fact]
    public void RecordFunction_FunctionLongerThanResponse_CountedNotRecordedAsOverhead()
    {
        var s = new WorkerStats();

        s.RecordFunction(responseNs: 1_000_000, functionNs: 1_000_100);

        Assert.Equal(1, s.Function.TotalCount);
        Assert.Equal(0, s.Overhead.TotalCount);
        Assert.Equal(1, s.FunctionExceedsResponse);
    }

    [Fact]
    public async Task Generator_ServerReportsDuration_FunctionAndOverheadSummariesAndHistograms()
    {
        // A server whose every response says the function took 2 ms: overhead = response − 2 ms, never negative.
        await using var server = BadServer.Answering("HTTP/1.1 200 OK\r\nX-Function-Duration-Ns: 2000000\r\nContent-Length: 3\r\n\r\nok\n");
        var result = await new LoadGenerator(new LoadOptions
        {
            Target = server.Url, Rate = null, Duration = TimeSpan.FromMilliseconds(300), Connections = 2, Timeout = TimeSpan.FromSeconds(5),
        }).RunAsync(TestContext.Current.CancellationToken);

        Assert.True(result.Completed > 0);
        Assert.Equal(result.Completed, result.Function!.N);
        Assert.Equal(2.0, result.Function.P50, 2);
        LongHistogram overhead = result.Histograms!.Overhead!;
        Assert.Equal(result.Completed, overhead.TotalCount + result.FunctionExceedsResponse);
    }
}
