using Sandbench.Runtimes.Oci;

namespace Sandbench.Runtimes.Tests;

public sealed class VersionTests
{
    [Theory]
    [InlineData("runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\n", "1.1.5+ds1")]
    [InlineData("crun version 1.8.1\ncommit: f8a096be060b22ccd3d5f3ebe44108517fbf6c30\n", "1.8.1")]
    [InlineData("runsc version 0.0~20221219.0\nspec: 1.0.2\n", "0.0~20221219.0")]
    [InlineData("kata-runtime  : 3.2.0\n   commit   : 1a2b3c\n   OCI specs: 1.0.2-dev\n", "3.2.0")]
    [InlineData("urunc version 0.5.0\n", "0.5.0")]
    [InlineData("", "")]
    public void ParseVersion_FirstLine_TheVersion(string output, string expected) =>
        Assert.Equal(expected, OciRuntime.ParseVersion(output));
}
