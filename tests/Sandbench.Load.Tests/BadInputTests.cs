using System.Diagnostics;

namespace Sandbench.Load.Tests;

/// <summary>`sandbench load` with bad input: one line per problem, exit code 2, nothing is sent.</summary>
public sealed class BadInputTests
{
    private static async Task<(int Code, string Err)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "sandbench"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("load");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(limit.Token);
        await stdout;
        return (p.ExitCode, await stderr);
    }

    [Theory]
    [InlineData("error: URL 'not a url' is malformed", "not a url", "--rate", "10")]
    [InlineData("must be an absolute http:// URL", "https://127.0.0.1/", "--rate", "10")]
    [InlineData("error: --rate must be above 0", "http://127.0.0.1:1/", "--rate", "0")]
    [InlineData("error: --rate must be above 0", "http://127.0.0.1:1/", "--rate=-5")]
    [InlineData("error: --duration must be above 0 (got '-1s')", "http://127.0.0.1:1/", "--rate", "10", "--duration=-1s")]
    [InlineData("error: --duration must be above 0", "http://127.0.0.1:1/", "--rate", "10", "--duration", "0s")]
    [InlineData("error: --timeout takes a duration such as 500ms or 30s (got 'soon')", "http://127.0.0.1:1/", "--closed", "--timeout", "soon")]
    [InlineData("error: --rate (open loop) and --closed (closed loop) exclude each other", "http://127.0.0.1:1/", "--closed", "--rate", "5")]
    [InlineData("error: give --rate R for an open loop", "http://127.0.0.1:1/")]
    [InlineData("error: --header 'nocolon' must be 'Name: value'", "http://127.0.0.1:1/", "--closed", "-H", "nocolon")]
    [InlineData("--frobnicate", "http://127.0.0.1:1/", "--closed", "--frobnicate")]
    public async Task Load_BadInput_Exits2WithTheReason(string expected, params string[] args)
    {
        var (code, err) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.All(err.Trim().Split('\n').Where(l => !l.StartsWith("(see", StringComparison.Ordinal)), l => Assert.StartsWith("error: ", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Load_SeveralMistakes_AllReported()
    {
        var (code, err) = await RunAsync("http://127.0.0.1:1/", "--rate", "0", "--duration", "0s", "--timeout", "x");

        Assert.Equal(2, code);
        Assert.Equal(3, err.Trim().Split('\n').Length);
    }
}
