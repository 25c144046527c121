using Sandbench.Core.Storage;
using static Sandbench.Store.Tests.TestData;

namespace Sandbench.Store.Tests;

/// <summary>A trial's encoded histograms and per-second series go in with the trial and come back unchanged.</summary>
public sealed class SeriesTests
{
    [Fact]
    public void AppendTrial_HistogramsAndSeries_ReadBackUnchanged()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("a1b2c3d4"), new Dictionary<string, string>());
        byte[] encoded = [0x1c, 0x84, 0x93, 0x14, 0, 0, 0, 7, 1, 2, 3];
        var withData = Trial("a1b2c3d4") with
        {
            Histograms = [new EncodedHistogram("delivery_ns", encoded)],
            Series = [new("events", 1, 1000), new("events", 0, 12), new("delivery_p99_ns", 0, 81_000.5)],
        };

        long id = store.AppendTrial(withData);
        long plain = store.AppendTrial(Trial("a1b2c3d4", iteration: 1));

        Assert.Equal(encoded, Assert.Single(store.Histograms(id), h => h.Metric == "delivery_ns").Data);
        Assert.Equal([new SeriesPoint("delivery_p99_ns", 0, 81_000.5), new SeriesPoint("events", 0, 12), new SeriesPoint("events", 1, 1000)], store.Series(id));
        Assert.Empty(store.Series(plain));
        Assert.Empty(store.Histograms(plain));
    }

    [Fact]
    public void AppendTrial_SameSecondTwice_RejectedAndNothingStored()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("a1b2c3d4"), new Dictionary<string, string>());
        var trial = Trial("a1b2c3d4") with { Series = [new("events", 3, 1), new("events", 3, 2)] };

        Assert.ThrowsAny<Microsoft.Data.Sqlite.SqliteException>(() => store.AppendTrial(trial));
        Assert.Empty(store.Trials("a1b2c3d4"));
    }
}
