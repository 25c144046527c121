using System.Text.RegularExpressions;

namespace Sandbench.Store.Tests;

public sealed partial class RunIdsTests
{
    [GeneratedRegex("^[0-9a-f]{8}$")]
    private static partial Regex LowerHex8();

    [Fact]
    public void New_Called_ReturnsEightLowercaseHexChars()
    {
        for (var i = 0; i < 100; i++)
        {
            Assert.Matches(LowerHex8(), RunIds.New());
        }
    }

    [Fact]
    public void New_CalledRepeatedly_ReturnsDistinctIds()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => RunIds.New()).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }
}
