namespace Sandbench.Cli.Tests;

/// <summary>`sandbench eventing` and `sandbench sink --listen` refuse bad flags: every problem on its own line, exit 2, nothing started.</summary>
public sealed class EventingCliTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private const string Broker = "http://127.0.0.1:9/ns/default";

    [Theory]
    [InlineData("error: --rate must be above 0 and at most 10000000 requests per second (got -5)", "eventing", Broker, "--rate=-5")]
    [InlineData("error: give --rate R: measured events per second sent to the broker (open loop)", "eventing", Broker)]
    [InlineData("error: --listen '0.0.0.0' must be ADDRESS:PORT with an IP address and a port from 0 to 65535", "eventing", Broker, "--rate", "10", "--listen", "0.0.0.0")]
    [InlineData("error: --listen 'pod:8080' must be ADDRESS:PORT", "eventing", Broker, "--rate", "10", "--listen", "pod:8080")]
    [InlineData("error: --listen '127.0.0.1:70000' must be ADDRESS:PORT", "eventing", Broker, "--rate", "10", "--listen", "127.0.0.1:70000")]
    [InlineData("error: URL 'broker' is malformed; give the broker's absolute http:// URL", "eventing", "broker", "--rate", "10")]
    [InlineData("error: URL 'https://broker.example/ns/default' must be an absolute http:// URL", "eventing", "https://broker.example/ns/default", "--rate", "10")]
    [InlineData("error: --cloudevents takes binary or structured (got 'batch')", "eventing", Broker, "--rate", "10", "--cloudevents", "batch")]
    [InlineData("error: --drain must be 0 or more (got '-1s')", "eventing", Broker, "--rate", "10", "--drain=-1s")]
    [InlineData("error: --start-timeout takes a duration such as 500ms or 30s (got 'soon')", "eventing", Broker, "--rate", "10", "--start-timeout", "soon")]
    [InlineData("error: --listen '8080' must be an IP address such as 127.0.0.1 or 0.0.0.0", "sink", "--port", "0", "--duration", "1s", "--listen", "8080")]
    public async Task BadFlag_Exit2WithTheReasonAndNothingStarts(string expected, params string[] args)
    {
        var (code, stdout, err) = await _h.RunAsync([.. args, "--db", _h.Db]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith(expected, err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.False(File.Exists(_h.Db));
    }

    [Fact]
    public async Task Eventing_SeveralBadFlags_OneLineEach()
    {
        var (code, _, err) = await _h.RunAsync("eventing", "not a url", "--rate=-5", "--listen", "localhost:8080", "--db", _h.Db, "--json");

        Assert.Equal(2, code);
        var lines = err.TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("error: URL 'not a url' is malformed", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("error: --listen 'localhost:8080' must be ADDRESS:PORT", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("error: --rate must be above 0", lines[2], StringComparison.Ordinal);
        Assert.False(File.Exists(_h.Db));
    }
}
