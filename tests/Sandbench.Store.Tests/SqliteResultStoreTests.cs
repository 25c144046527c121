using Sandbench.Core;
using Sandbench.Core.Storage;
using static Sandbench.Store.Tests.TestData;

namespace Sandbench.Store.Tests;

public sealed class SqliteResultStoreTests
{
    [Fact]
    public void RoundTrip_RunEnvironmentAndTrials_ReadBackUnchanged()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        // A non-UTC offset must come back as the same instant.
        var run = Run("a1b2c3d4", new DateTimeOffset(2025, 3, 1, 14, 30, 0, 123, TimeSpan.FromHours(2)));
        var environment = new Dictionary<string, string> { ["kernel"] = "6.1.0", ["cpu"] = "Xeon", ["empty"] = "" };
        store.BeginRun(run, environment);

        var first = Trial(run.Id, iteration: 0, phases: [Phase("queued", -2_500), Phase("spawn", 0), Phase("exec", 1_200), Phase("ready", 9_876_543)],
            samples: [Sample("ready_ns", 9_876_543), Sample("rss_bytes", 1.5e6), Sample("ratio", 0.1 + 0.2)]);
        var second = Trial(run.Id, iteration: 1, status: TrialStatus.Timeout, warmup: true, phases: [], samples: []);
        var firstId = store.AppendTrial(first);
        var secondId = store.AppendTrial(second);
        var finished = run.StartedUtc.AddMinutes(3);
        store.FinishRun(run.Id, RunStatus.Completed, finished);

        var stored = store.FindRun(run.Id);
        Assert.NotNull(stored);
        Assert.Equal(run with { Status = RunStatus.Completed, FinishedUtc = finished, TrialCount = 2, FailedCount = 1 }, stored);
        Assert.Equal(environment.OrderBy(e => e.Key, StringComparer.Ordinal), store.Environment(run.Id));

        var trials = store.Trials(run.Id);
        Assert.Equal(2, trials.Count);
        Assert.True(secondId > firstId);
        AssertSameTrial(first, firstId, trials[0]);
        AssertSameTrial(second, secondId, trials[1]);
    }

    [Fact]
    public void Trials_PhasesGivenOutOfOrder_ReturnedByTimeThenName()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("a1b2c3d4"), new Dictionary<string, string>());
        store.AppendTrial(Trial("a1b2c3d4", phases: [Phase("ready", 50), Phase("b", 0), Phase("a", 0), Phase("queued", -10)]));

        var phases = Assert.Single(store.Trials("a1b2c3d4")).Phases;

        Assert.Equal(["queued", "a", "b", "ready"], phases.Select(p => p.Key));
    }

    [Fact]
    public void Trials_TwoRunsInterleavedInOneFile_EachReadsExactlyItsOwnRows()
    {
        // Run A holds most of the file (read in one pass over the tables, dropping B's rows in its id range); run B is
        // small (read through the index). Their trials alternate, as when two processes write one file at once.
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("aaaa0000"), new Dictionary<string, string>());
        store.BeginRun(Run("bbbb0000"), new Dictionary<string, string>());
        var expected = new Dictionary<string, List<(long Id, TrialRecord Trial)>> { ["aaaa0000"] = [], ["bbbb0000"] = [] };
        for (int i = 0; i < 40; i++)
        {
            string run = i % 4 == 1 ? "bbbb0000" : "aaaa0000";
            // Phases stored out of time order; samples in an order of their own, which must survive.
            var trial = Trial(run, iteration: i, warmup: i % 7 == 0,
                phases: i % 5 == 0 ? [] : [Phase("ready", 50 + i), Phase("spawn", 0), Phase($"p{i}", 10 + i)],
                samples: i % 6 == 0 ? [] : [Sample("z", i), Sample("a", -i), Sample($"m{i % 3}", 0.5 * i)]);
            expected[run].Add((store.AppendTrial(trial), trial));
        }

        foreach (var (run, trials) in expected)
        {
            var read = store.Trials(run);
            Assert.Equal(trials.Count, read.Count);
            for (int i = 0; i < trials.Count; i++)
            {
                var want = trials[i].Trial with { Phases = [.. trials[i].Trial.Phases.OrderBy(p => p.Value)] };
                AssertSameTrial(want, trials[i].Id, read[i]);
            }
        }
    }

    [Fact]
    public void Trials_RunOfManyTrials_EachGetsItsOwnPhasesAndSamplesAndCollectionResumes()
    {
        // Above 10,000 trials the read holds collections off while it allocates, and reads the child tables in one
        // pass each on threads of their own; a second, small run in the same file is read through the index.
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("aaaa0000"), new Dictionary<string, string>());
        store.BeginRun(Run("bbbb0000"), new Dictionary<string, string>());
        const int N = 12_000;
        for (int i = 0; i < N; i++)
        {
            store.AppendTrial(Trial("aaaa0000", iteration: i, phases: [Phase("ready", 1000 + i), Phase("spawn", 0)], samples: [Sample("v", i), Sample("w", -i)]));
            if (i % 4000 == 0) store.AppendTrial(Trial("bbbb0000", iteration: i, phases: [Phase("spawn", 0)], samples: [Sample("b", i)]));
        }

        var read = store.Trials("aaaa0000");

        Assert.NotEqual(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);
        Assert.Equal(N, read.Count);
        for (int i = 0; i < N; i++)
        {
            var t = read[i];
            Assert.Equal(i, t.Iteration);
            Assert.Equal([new KeyValuePair<string, long>("spawn", 0), new("ready", 1000 + i)], t.Phases);
            Assert.Equal([new KeyValuePair<string, double>("v", i), new("w", -i)], t.Samples);
            Assert.Equal(i, t.Sample("v"));
            Assert.Equal(2, t.PhaseSpan.Length);
        }
        Assert.Equal([0, 4000, 8000], store.Trials("bbbb0000").Select(t => (int)t.Sample("b")!.Value));
    }

    [Fact]
    public void Trials_InsideTheCallersNoGcRegion_ReadJoinsItAndLeavesItHeld()
    {
        // A report holds one region over its read, analyses and figures; the store's read must not start a second one,
        // which would end the caller's (the runtime ends a region when another start fails).
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("aaaa0000"), new Dictionary<string, string>());
        const int N = 10_500;
        for (int i = 0; i < N; i++) store.AppendTrial(Trial("aaaa0000", iteration: i, phases: [Phase("spawn", 0)], samples: [Sample("v", i)]));

        using (NoGcRegion.For(N, 16L << 20))
        {
            Assert.Equal(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);
            var read = store.Trials("aaaa0000");
            Assert.Equal(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);
            Assert.Equal(N, read.Count);
            Assert.Equal(N - 1, read[^1].Sample("v"));
        }
        Assert.NotEqual(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);
    }

    [Fact]
    public void Trials_RowsOfOneTrialStoredApart_JoinedAndInTimeOrder()
    {
        // Sandbench stores a trial with its rows in one transaction; a row added to an earlier trial later (by hand, or
        // another tool) lies apart from the others in storage order, and still belongs to its trial.
        using var dir = new TempDirectory();
        string path = dir.File("results.db");
        using var store = SqliteResultStore.Open(path);
        store.BeginRun(Run("a1b2c3d4"), new Dictionary<string, string>());
        long first = store.AppendTrial(Trial("a1b2c3d4", phases: [Phase("spawn", 0), Phase("ready", 50)]));
        store.AppendTrial(Trial("a1b2c3d4", iteration: 1, phases: [Phase("spawn", 0)]));
        using (var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            other.Open();
            using var insert = other.CreateCommand();
            insert.CommandText = $"INSERT INTO phases (trial_id, name, t_ns) VALUES ({first}, 'late', 20);";
            insert.ExecuteNonQuery();
        }

        var trials = store.Trials("a1b2c3d4");

        Assert.Equal(["spawn", "late", "ready"], trials[0].Phases.Select(p => p.Key));
        Assert.Equal(["spawn"], trials[1].Phases.Select(p => p.Key));
    }

    [Fact]
    public void AppendTrial_BeforeFinishRun_VisibleToSecondInstance()
    {
        using var dir = new TempDirectory();
        var file = dir.File("results.db");
        using var writer = SqliteResultStore.Open(file);
        writer.BeginRun(Run("a1b2c3d4"), new Dictionary<string, string>());
        var id = writer.AppendTrial(Trial("a1b2c3d4"));

        // The writer is neither finished nor disposed, as if the process were killed here.
        using var reader = SqliteResultStore.Open(file);

        var run = reader.FindRun("a1b2c3d4");
        Assert.NotNull(run);
        Assert.Equal(RunStatus.Running, run.Status);
        Assert.Null(run.FinishedUtc);
        Assert.Equal(1, run.TrialCount);
        var trial = Assert.Single(reader.Trials("a1b2c3d4"));
        Assert.Equal(id, trial.Id);
        Assert.Equal(2, trial.Phases.Count);
    }

    [Fact]
    public void AppendTrial_ParametersInAnyOrder_StoredAsSortedJson()
    {
        using var dir = new TempDirectory();
        var file = dir.File("results.db");
        using (var store = SqliteResultStore.Open(file))
        {
            store.BeginRun(Run("a1b2c3d4"), new Dictionary<string, string>());
            store.AppendTrial(Trial("a1b2c3d4") with
            {
                Parameters = new Dictionary<string, string> { ["zeta"] = "1", ["Alpha"] = "x\"y", ["beta"] = "2" },
            });
        }

        using var raw = TempDirectory.Raw(file);
        Assert.Equal("""{"Alpha":"x\u0022y","beta":"2","zeta":"1"}""", TempDirectory.Scalar(raw, "SELECT parameters FROM trials;"));
    }

    [Fact]
    public void AppendTrial_UnknownRun_ThrowsAndStoresNothing()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));

        Assert.Throws<ArgumentException>(() => store.AppendTrial(Trial("nope0000")));

        Assert.Empty(store.Trials("nope0000"));
    }

    [Fact]
    public void AppendTrial_DuplicatePhaseName_ThrowsAndStoresNothing()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("a1b2c3d4"), new Dictionary<string, string>());

        var ex = Assert.Throws<ArgumentException>(() => store.AppendTrial(Trial("a1b2c3d4", phases: [Phase("spawn", 0), Phase("spawn", 1)])));

        Assert.Contains("spawn", ex.Message, StringComparison.Ordinal);
        Assert.Empty(store.Trials("a1b2c3d4"));
    }

    [Fact]
    public void BeginRun_ExistingId_Throws()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("a1b2c3d4"), new Dictionary<string, string> { ["k"] = "v" });

        Assert.Throws<ArgumentException>(() => store.BeginRun(Run("a1b2c3d4"), new Dictionary<string, string>()));

        Assert.Single(store.ListRuns());
    }

    [Fact]
    public void FinishRun_UnknownRun_Throws()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));

        Assert.Throws<ArgumentException>(() => store.FinishRun("nope0000", RunStatus.Completed, T0));
    }

    [Fact]
    public void FindRun_ExactIdOrUniquePrefix_ReturnsRun()
    {
        using var dir = new TempDirectory();
        using var store = SeedRuns(dir, "abc12345", "abc19999", "ffff0000", "abc");

        Assert.Equal("abc12345", store.FindRun("abc12345")?.Id);
        Assert.Equal("abc19999", store.FindRun("abc19")?.Id);
        Assert.Equal("ffff0000", store.FindRun("f")?.Id);
        // An exact id wins even when it is also a prefix of other ids.
        Assert.Equal("abc", store.FindRun("abc")?.Id);
    }

    [Fact]
    public void FindRun_AmbiguousPrefix_ThrowsListingMatches()
    {
        using var dir = new TempDirectory();
        using var store = SeedRuns(dir, "abc12345", "abc19999", "ffff0000");

        var ex = Assert.Throws<SandbenchException>(() => store.FindRun("abc1"));

        Assert.Contains("abc12345", ex.Message, StringComparison.Ordinal);
        Assert.Contains("abc19999", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ffff0000", ex.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BadInput, ex.ExitCode);
    }

    [Theory]
    [InlineData("zzz")]
    [InlineData("")]
    [InlineData("%")]
    [InlineData("abc_")]
    [InlineData("ABC")]
    public void FindRun_NoMatchOrWildcard_ReturnsNull(string prefix)
    {
        using var dir = new TempDirectory();
        using var store = SeedRuns(dir, "abc12345");

        Assert.Null(store.FindRun(prefix));
    }

    [Fact]
    public void ListRuns_SeveralRuns_NewestFirstWithCounts()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        var none = new Dictionary<string, string>();
        store.BeginRun(Run("00000001", T0), none);
        // 13:30+02:00 is 11:30Z, earlier than T0 despite the larger local time.
        store.BeginRun(Run("00000002", new DateTimeOffset(2025, 3, 1, 13, 30, 0, TimeSpan.FromHours(2))), none);
        store.BeginRun(Run("00000003", T0.AddHours(1)), none);
        store.AppendTrial(Trial("00000001", 0, TrialStatus.Ok, warmup: true));
        store.AppendTrial(Trial("00000001", 1, TrialStatus.Ok));
        store.AppendTrial(Trial("00000001", 2, TrialStatus.Failed));
        store.AppendTrial(Trial("00000001", 3, TrialStatus.Timeout, warmup: true));
        store.AppendTrial(Trial("00000003", 0, TrialStatus.Interrupted));

        var runs = store.ListRuns();

        Assert.Equal(["00000003", "00000001", "00000002"], runs.Select(r => r.Id));
        Assert.Equal([1, 4, 0], runs.Select(r => r.TrialCount));
        Assert.Equal([1, 2, 0], runs.Select(r => r.FailedCount));
    }

    [Fact]
    public void ListRuns_EmptyDatabase_ReturnsEmpty()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));

        Assert.Empty(store.ListRuns());
        Assert.Empty(store.Environment("a1b2c3d4"));
        Assert.Empty(store.Trials("a1b2c3d4"));
    }

    [Fact]
    public async Task AppendTrial_ManyThreadsAndTwoInstances_AllTrialsStored()
    {
        using var dir = new TempDirectory();
        var file = dir.File("results.db");
        using var first = SqliteResultStore.Open(file);
        using var second = SqliteResultStore.Open(file);
        first.BeginRun(Run("a1b2c3d4"), new Dictionary<string, string>());

        // Two threads share each instance (the lock) and the instances contend for the file (the busy timeout).
        var writers = new[] { first, first, second, second }.Select((store, w) => Task.Run(() =>
        {
            for (var i = 0; i < 25; i++)
            {
                store.AppendTrial(Trial("a1b2c3d4", iteration: (w * 100) + i));
                _ = store.ListRuns();
            }
        }, TestContext.Current.CancellationToken));
        await Task.WhenAll(writers);

        var trials = first.Trials("a1b2c3d4");
        Assert.Equal(100, trials.Count);
        Assert.Equal(100, trials.Select(t => t.Iteration).Distinct().Count());
        Assert.All(trials, t => Assert.Equal(2, t.Phases.Count));
    }

    [Fact]
    public void Dispose_Twice_ThenUse_ThrowsObjectDisposed()
    {
        using var dir = new TempDirectory();
        var store = SqliteResultStore.Open(dir.File("results.db"));
        store.Dispose();
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.ListRuns());
    }

    private static SqliteResultStore SeedRuns(TempDirectory dir, params string[] ids)
    {
        var store = SqliteResultStore.Open(dir.File("results.db"));
        foreach (var id in ids)
        {
            store.BeginRun(Run(id), new Dictionary<string, string>());
        }

        return store;
    }

    private static void AssertSameTrial(TrialRecord expected, long expectedId, TrialRecord actual)
    {
        Assert.Equal(expectedId, actual.Id);
        Assert.Equal(expected with { Id = expectedId, Parameters = actual.Parameters, Phases = actual.Phases, Samples = actual.Samples }, actual);
        Assert.Equal(expected.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal), actual.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Phases, actual.Phases);
        Assert.Equal(expected.Samples, actual.Samples);
    }
}
