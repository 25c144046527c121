using System.Text;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Load.Tests;

public sealed class HttpRequestReaderTests
{
    private static List<HttpRequestData> Feed(HttpRequestReader reader, byte[] bytes, int step, out string? problem)
    {
        problem = null;
        var got = new List<HttpRequestData>();
        for (int at = 0; at < bytes.Length;)
        {
            var space = reader.FreeSpace();
            int n = Math.Min(Math.Min(step, space.Length), bytes.Length - at);
            bytes.AsSpan(at, n).CopyTo(space.Span);
            at += n;
            reader.Advance(n);
            while (true)
            {
                var state = reader.TryRead(out var r, out problem);
                if (state == ReadState.Complete) got.Add(r!);
                else if (state == ReadState.Malformed) return got;
                else break;
            }
        }
        return got;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100_000)]
    public void TryRead_PipelinedRequestsSplitAnywhere_EachWhole(int step)
    {
        var bytes = Encoding.ASCII.GetBytes(
            "POST /a HTTP/1.1\r\nContent-Length: 5\r\nce-id: 1\r\n\r\nhello" +
            "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n" +
            "GET /c HTTP/1.0\r\n\r\n" +
            "POST /d HTTP/1.1\r\nConnection: close\r\nContent-Length: " + (40 * 1024) + "\r\n\r\n" + new string('x', 40 * 1024));

        var got = Feed(new HttpRequestReader(), bytes, step, out var problem);

        Assert.Null(problem);
        Assert.Equal(["/a", "/b", "/c", "/d"], got.Select(r => r.Target));
        Assert.Equal("hello", Encoding.ASCII.GetString(got[0].Body));
        Assert.Equal("abc0123456789", Encoding.ASCII.GetString(got[1].Body));
        Assert.Empty(got[2].Body);
        Assert.Equal(40 * 1024, got[3].Body.Length);
        Assert.Equal([true, true, false, false], got.Select(r => r.KeepAlive));
        Assert.Equal(new KeyValuePair<string, string>("ce-id", "1"), got[0].Headers[1]);
    }

    [Theory]
    [InlineData("GARBAGE\r\n\r\n", "not an HTTP/1.x request line")]
    [InlineData("POST / HTTP/1.1\r\n no-name\r\n\r\n", "a header line without a name")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: -3\r\n\r\n", "bad Content-Length")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", "body larger than 1 MiB")]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size")]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", "chunk data longer than its size")]
    public void TryRead_Malformed_SaysWhy(string request, string expected)
    {
        Feed(new HttpRequestReader(), Encoding.ASCII.GetBytes(request), 1000, out var problem);

        Assert.NotNull(problem);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_HeadersNeverEnd_MalformedPast64KiB()
    {
        var bytes = Encoding.ASCII.GetBytes("POST / HTTP/1.1\r\n" + string.Concat(Enumerable.Repeat("X-Filler: 0123456789\r\n", 4000)));

        Feed(new HttpRequestReader(), bytes, 4096, out var problem);

        Assert.Equal("request headers longer than 64 KiB", problem);
    }
}
