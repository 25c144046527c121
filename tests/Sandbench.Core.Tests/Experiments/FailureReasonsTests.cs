using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;

namespace Sandbench.Core.Tests.Experiments;

public sealed class FailureReasonsTests
{
    [Theory]
    [InlineData(TrialStatus.Failed, "cannot start /usr/bin/runc: Resource temporarily unavailable", FailureReasons.Pids)]
    [InlineData(TrialStatus.Failed, "runc create exited with code 1: runtime: failed to create new OS thread (have 3 already; errno=11)", FailureReasons.Pids)]
    [InlineData(TrialStatus.Failed, "runsc create exited with code 128: fork/exec /proc/self/exe: cannot allocate memory", FailureReasons.Memory)]
    [InlineData(TrialStatus.Failed, "not started: MemAvailable 1900 MiB is below the memory floor of 2048 MiB", FailureReasons.Memory)]
    [InlineData(TrialStatus.Failed, "Address already in use", FailureReasons.Ports)]
    [InlineData(TrialStatus.Failed, "no free port on 127.0.0.1 after 50 tries", FailureReasons.Ports)]
    [InlineData(TrialStatus.Failed, "cannot open /dev/null: Too many open files", FailureReasons.Files)]
    [InlineData(TrialStatus.Timeout, "no response within 30s (last phase: started)", FailureReasons.Timeout)]
    [InlineData(TrialStatus.Failed, "runsc create did not finish within 10 min", FailureReasons.Timeout)]
    [InlineData(TrialStatus.Failed, "the sandbox's process exited with code 2 before it answered", FailureReasons.Exited)]
    [InlineData(TrialStatus.Failed, "unexpected response: HTTP/1.1 500 Internal Server Error", FailureReasons.Response)]
    [InlineData(TrialStatus.Failed, "runc create exited with code 1: rootfs is missing", FailureReasons.Spawn)]
    [InlineData(TrialStatus.Interrupted, "interrupted", FailureReasons.Interrupted)]
    public void Classify_ErrorText_GivesItsCategory(TrialStatus status, string error, string reason) =>
        Assert.Equal(reason, FailureReasons.Classify(status, error));

    [Fact]
    public void Describe_MixedFailures_CountsMostFrequentFirstWithItsText()
    {
        string text = FailureReasons.Describe(
        [
            (FailureReasons.Pids, "fork: resource temporarily unavailable"),
            (FailureReasons.Timeout, "no response within 1s"),
            (FailureReasons.Pids, "fork: resource temporarily unavailable"),
        ]);

        Assert.Equal("pids ×2, timeout ×1 (fork: resource temporarily unavailable)", text);
    }

    [Fact]
    public void Describe_Nothing_IsEmpty() => Assert.Equal("", FailureReasons.Describe([]));
}
