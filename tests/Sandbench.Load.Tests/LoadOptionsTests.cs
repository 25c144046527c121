using System.Text;
using Sandbench.Load;

namespace Sandbench.Load.Tests;

public sealed class LoadOptionsTests
{
    [Fact]
    public void RequestBytes_Get_HostAndHeaders()
    {
        var o = new LoadOptions { Target = new Uri("http://127.0.0.1:8080/a?b=1"), Headers = [new("X-Test", "1")] };

        Assert.Equal("GET /a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Test: 1\r\n\r\n", Encoding.ASCII.GetString(o.RequestBytes()));
    }

    [Fact]
    public void RequestBytes_PostWithBody_ContentLength()
    {
        var o = new LoadOptions { Target = new Uri("http://localhost/"), Method = "POST", Body = "{}"u8.ToArray() };

        Assert.Equal("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}", Encoding.ASCII.GetString(o.RequestBytes()));
    }

    [Fact]
    public void Validate_EverythingWrong_OneProblemEach()
    {
        var o = new LoadOptions
        {
            Target = new Uri("https://example.com/"),
            Rate = 0,
            Duration = TimeSpan.FromSeconds(-1),
            Timeout = TimeSpan.Zero,
            Connections = 0,
            Method = "GE T",
            Headers = [new("Bad Name", "x")],
        };

        Assert.Equal(7, o.Validate().Count);
    }

    [Fact]
    public void Validate_Defaults_NoProblem()
    {
        Assert.Empty(new LoadOptions { Target = new Uri("http://127.0.0.1:1/"), Rate = 10 }.Validate());
    }
}
