namespace Sandbench.Cli.Tests;

/// <summary>The syscall and imagepull verbs: bad flags get one clear line and exit 2, and nothing starts.</summary>
public sealed class SyscallImagePullCliTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData("syscall", "--min-time", "often", "--min-time takes a duration such as 20ms")]
    [InlineData("syscall", "--min-time", "2h", "min-time")]
    [InlineData("syscall", "--runtimes", "process,vmware", "--runtimes: unknown runtime 'vmware'")]
    [InlineData("imagepull", "--padding", "lots", "--padding takes a size such as 16MiB")]
    [InlineData("imagepull", "--layers", "0", "layers")]
    [InlineData("imagepull", "--pull", "sideways", "sideways")]
    public async Task Verb_BadFlagValue_ExitsNonZeroWithTheReason(string verb, string flag, string value, string expected)
    {
        var (code, _, err) = await _h.RunAsync(verb, flag, value, "--db", _h.Db);

        Assert.Equal(2, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.False(File.Exists(_h.Db));
    }

    [Fact]
    public async Task ImagePull_OnASandboxRuntime_Exits2SayingToUseProcessAndMakesNoResultsFile()
    {
        var (code, _, err) = await _h.RunAsync("imagepull", "--runtimes", "runc", "--db", _h.Db);

        Assert.Equal(2, code);
        Assert.Contains("runc: imagepull pulls on the host with Sandbench's own client; list the runtime 'process' for it", err, StringComparison.Ordinal);
        Assert.False(File.Exists(_h.Db));
    }
}
