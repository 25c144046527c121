using System.Text;
using Sandbench.Load;

namespace Sandbench.Load.Tests;

public sealed class ResponseParserTests
{
    private static (ParseState State, int Consumed, ResponseParser Parser) Parse(string wire, bool head = false, bool eof = false)
    {
        var p = new ResponseParser { NoBody = head };
        p.Reset();
        var state = p.Feed(Encoding.ASCII.GetBytes(wire), out int used);
        if (eof && state == ParseState.NeedMore) state = p.EndOfStream();
        return (state, used, p);
    }

    [Fact]
    public void Feed_ContentLength_CompletesWithStatusAndBody()
    {
        const string wire = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n";
        var (state, used, p) = Parse(wire);

        Assert.Equal(ParseState.Complete, state);
        Assert.Equal(wire.Length, used);
        Assert.Equal(200, p.StatusCode);
        Assert.Equal(6, p.BodyBytes);
        Assert.True(p.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nhel\r\n2\r\nlo\r\n0\r\nX-Trailer: 1\r\n\r\n")]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello")]
    public void Feed_SplitAtEveryByte_SameResultAsWhole(string wire)
    {
        var bytes = Encoding.ASCII.GetBytes(wire);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            var p = new ResponseParser();
            p.Reset();
            Assert.Equal(ParseState.NeedMore, p.Feed(bytes.AsSpan(0, cut), out int first));
            Assert.Equal(cut, first);
            Assert.Equal(ParseState.Complete, p.Feed(bytes.AsSpan(cut), out int second));
            Assert.Equal(bytes.Length - cut, second);
            Assert.Equal(200, p.StatusCode);
            Assert.Equal(5, p.BodyBytes);
        }
    }

    [Fact]
    public void Feed_ByteByByteChunked_Completes()
    {
        var bytes = Encoding.ASCII.GetBytes("HTTP/1.1 201 Created\r\nTransfer-Encoding: gzip, chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n");
        var p = new ResponseParser();
        p.Reset();
        for (int i = 0; i < bytes.Length - 1; i++) Assert.Equal(ParseState.NeedMore, p.Feed(bytes.AsSpan(i, 1), out _));
        Assert.Equal(ParseState.Complete, p.Feed(bytes.AsSpan(bytes.Length - 1), out _));
        Assert.Equal(201, p.StatusCode);
        Assert.Equal(10, p.BodyBytes);
    }

    [Fact]
    public void Feed_ConnectionClose_NotKeepAlive()
    {
        var (state, _, p) = Parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

        Assert.Equal(ParseState.Complete, state);
        Assert.False(p.KeepAlive);
    }

    [Fact]
    public void Feed_Http10WithoutKeepAlive_NotKeepAlive()
    {
        Assert.False(Parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").Parser.KeepAlive);
        Assert.True(Parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\n\r\n").Parser.KeepAlive);
    }

    [Fact]
    public void EndOfStream_BodyWithoutLength_CompletesAtClose()
    {
        var (state, _, p) = Parse("HTTP/1.1 200 OK\r\n\r\nall of it", eof: true);

        Assert.Equal(ParseState.Complete, state);
        Assert.Equal(9, p.BodyBytes);
        Assert.False(p.KeepAlive);
    }

    [Fact]
    public void EndOfStream_TruncatedBody_Malformed()
    {
        var (state, _, p) = Parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", eof: true);

        Assert.Equal(ParseState.Malformed, state);
        Assert.Contains("closed before", p.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n", true)]
    public void Feed_NoBodyResponses_CompleteAfterHeaders(string wire, bool head)
    {
        Assert.Equal(ParseState.Complete, Parse(wire, head).State);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    [InlineData("HTTP/1.1 2x0 OK\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: five\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n")]
    public void Feed_Malformed_SaysWhy(string wire)
    {
        var (state, _, p) = Parse(wire);

        Assert.Equal(ParseState.Malformed, state);
        Assert.False(string.IsNullOrEmpty(p.Problem));
    }

    [Fact]
    public void Feed_BytesAfterResponse_LeftUnconsumed()
    {
        var (state, used, _) = Parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA");

        Assert.Equal(ParseState.Complete, state);
        Assert.Equal(40, used);
    }

    [Fact]
    public void Reset_SecondResponseOnSameParser_Parsed()
    {
        var p = new ResponseParser();
        p.Reset();
        p.Feed("HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nx"u8, out _);
        p.Reset();
        Assert.Equal(ParseState.Complete, p.Feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8, out _));
        Assert.Equal(200, p.StatusCode);
        Assert.Equal(2, p.BodyBytes);
    }
}
