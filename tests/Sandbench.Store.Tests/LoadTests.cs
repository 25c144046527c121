using Sandbench.Core.Storage;
using static Sandbench.Store.Tests.TestData;

namespace Sandbench.Store.Tests;

/// <summary>A load window's histograms and per-second series: written with the trial, read back as written.</summary>
public sealed class LoadTests
{
    [Fact]
    public void AppendTrial_WithHistogramsAndSeconds_ReadBackPerTrial()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("r1"), new Dictionary<string, string>());
        EncodedHistogram[] histograms = [new("uncorrected_us", [1, 2, 3]), new("corrected_us", [0x1c, 0x84, 0x93, 0x14, 0, 0, 0, 0])];
        LoadSecond[] seconds = [new(0, 99, 1, 2, 0, 210_000, 9_100_000), new(1, 0, 5, 0, 7, null, null)];

        long id = store.AppendTrial(Trial("r1") with { Histograms = histograms, Seconds = seconds });
        long other = store.AppendTrial(Trial("r1", iteration: 1));

        var back = store.Histograms(id);
        Assert.Equal(["corrected_us", "uncorrected_us"], back.Select(h => h.Metric));
        Assert.Equal(histograms[1].Data, back[0].Data);
        Assert.Equal(histograms[0].Data, back[1].Data);
        Assert.Equal(seconds, store.LoadSeconds(id));
        Assert.Empty(store.Histograms(other));
        Assert.Empty(store.LoadSeconds(other));
    }

    [Fact]
    public void AppendTrial_SameHistogramMetricTwice_NothingOfTheTrialIsStored()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("r1"), new Dictionary<string, string>());

        Assert.ThrowsAny<Exception>(() => store.AppendTrial(Trial("r1") with { Histograms = [new("corrected_us", [1]), new("corrected_us", [2])] }));

        Assert.Empty(store.Trials("r1"));
    }

    [Fact]
    public void Open_DatabaseOfTheVersionBefore_GainsTheLoadSecondsTable()
    {
        using var dir = new TempDirectory();
        string file = dir.File("results.db");
        using (var store = SqliteResultStore.Open(file))
        {
            store.BeginRun(Run("r1"), new Dictionary<string, string>());
            store.AppendTrial(Trial("r1"));
        }
        using (var raw = TempDirectory.Raw(file))
        {
            // Version 3: before load_seconds (v4), series (v5), the gateway's tables (v6) and community (v7).
            TempDirectory.Scalar(raw, "DROP TABLE load_seconds;");
            TempDirectory.Scalar(raw, "DROP TABLE series;");
            TempDirectory.Scalar(raw, "DROP TABLE gateway_requests;");
            TempDirectory.Scalar(raw, "DROP TABLE gateway_sandboxes;");
            TempDirectory.Scalar(raw, "DROP TABLE community;");
            TempDirectory.Scalar(raw, "PRAGMA user_version = 3;");
        }

        using (var store = SqliteResultStore.Open(file))
        {
            long id = store.AppendTrial(Trial("r1", iteration: 1) with { Seconds = [new(0, 1, 0, 0, 0, 5, 5)] });
            Assert.Single(store.LoadSeconds(id));
            Assert.Equal(2, store.Trials("r1").Count);
        }
    }
}
