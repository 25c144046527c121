using System.Text;
using Sandbench.Core.Storage;

namespace Sandbench.Store;

public sealed partial class SqliteResultStore
{
    public IReadOnlyList<TrialRecord> Trials(string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        lock (_gate) ObjectDisposedException.ThrowIf(_disposed, this);
        // A run can hold 100,000s of trials and millions of phases and samples, and a report must read them in
        // seconds. So: three private connections (BulkConnection: no mutex, native column reads) read at once, the
        // trial rows, the phases and the samples; each distinct text (names, runtimes, parameter sets repeat) is
        // decoded once; each kind's rows go into one shared array, of which every trial is handed its segment once
        // all are read.
        TrialRecord[] trials;
        Task<(long[] Ids, Children<long> Rows)> phasesRead;
        Task<(long[] Ids, Children<double> Rows)> samplesRead;
        using (var c = BulkConnection.Open(Path, BusyTimeoutSeconds * 1000))
        {
            int count = CountTrials(c, runId);
            using var pause = NoGcRegion.For(count);
            phasesRead = ReadChildrenAsync<long>("phases", runId);
            samplesRead = ReadChildrenAsync<double>("samples", runId);
            trials = ReadTrialRows(c, runId, count, new Names());
            phasesRead.Wait();
            samplesRead.Wait();
        }
        var (phaseIds, phases) = phasesRead.Result;
        var (sampleIds, samples) = samplesRead.Result;

        // The other connections' snapshots may be newer (another process appending): their trials are matched by id.
        var phaseAt = Positions(phaseIds, trials);
        var sampleAt = Positions(sampleIds, trials);
        for (int i = 0; i < trials.Length; i++)
        {
            var t = trials[i];
            var phaseList = (Segment<KeyValuePair<string, long>>)t.Phases;
            phases.Fill(phaseList, phaseAt is null ? i : phaseAt.GetValueOrDefault(t.Id, -1));
            samples.Fill((Segment<KeyValuePair<string, double>>)t.Samples, sampleAt is null ? i : sampleAt.GetValueOrDefault(t.Id, -1));
            // Each trial's phases in time order (ties by name), as every reader expects them.
            if (!InOrder(phaseList.Span))
                phaseList.Writable.Sort(static (a, b) => a.Value != b.Value ? a.Value.CompareTo(b.Value) : string.CompareOrdinal(a.Key, b.Key));
        }
        return trials;

        static bool InOrder(ReadOnlySpan<KeyValuePair<string, long>> list)
        {
            for (int i = 1; i < list.Length; i++)
            {
                var (a, b) = (list[i - 1], list[i]);
                if (a.Value > b.Value || (a.Value == b.Value && string.CompareOrdinal(a.Key, b.Key) > 0)) return false;
            }
            return true;
        }

        // Null when the ids are the trials' own, in the same order (the usual case): position i is trial i.
        static Dictionary<long, int>? Positions(long[] ids, TrialRecord[] trials)
        {
            if (ids.Length == trials.Length && (ids.Length == 0 || (ids[0] == trials[0].Id && ids[^1] == trials[^1].Id))) return null;
            var at = new Dictionary<long, int>(ids.Length);
            for (int i = 0; i < ids.Length; i++) at[ids[i]] = i;
            return at;
        }
    }

    /// <summary>The rows of one child table for the run's trials, read on a thread of their own with a connection of their own.</summary>
    private Task<(long[] Ids, Children<T> Rows)> ReadChildrenAsync<T>(string table, string runId) => Task.Factory.StartNew(() =>
    {
        using var c = BulkConnection.Open(Path, BusyTimeoutSeconds * 1000);
        var ids = ReadTrialIds(c, runId);
        return (ids, ReadChildren<T>(c, table, runId, ids, new Names()));
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static int CountTrials(BulkConnection c, string runId)
    {
        using var stmt = c.Prepare("SELECT count(*) FROM trials WHERE run_id = ?1;");
        stmt.Bind(1, runId);
        return stmt.Step() ? (int)stmt.Int64(0) : 0;
    }

    private static long[] ReadTrialIds(BulkConnection c, string runId)
    {
        using var stmt = c.Prepare("SELECT id FROM trials WHERE run_id = ?1 ORDER BY id;");
        stmt.Bind(1, runId);
        var ids = new long[CountTrials(c, runId)];
        int n = 0;
        while (n < ids.Length && stmt.Step()) ids[n++] = stmt.Int64(0);
        return ids;
    }

    /// <summary>The run's trials in id order, each with empty segments for its phases and samples (filled once those are read).</summary>
    private static TrialRecord[] ReadTrialRows(BulkConnection c, string runId, int count, Names names)
    {
        var parameters = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        var started = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        // Counted first (the run_id index answers it), so the rows are written once into their final place: growing
        // an array of rows that hold references copies each through the GC's write barrier.
        var rows = new TrialRecord[count];
        int n = 0;
        string? lastJson = null, lastStarted = null;
        IReadOnlyDictionary<string, string> parameterSet = new Dictionary<string, string>();
        DateTimeOffset startedUtc = default;
        using var stmt = c.Prepare("""
            SELECT id, run_id, experiment, runtime, workload, parameters, iteration, warmup, status, error,
                   readiness, readiness_resolution_ns, started_utc, origin_ns
            FROM trials WHERE run_id = ?1 ORDER BY id;
            """);
        stmt.Bind(1, runId);
        while (n < rows.Length && stmt.Step())
        {
            // Parameter sets and start times repeat across trials: each distinct one is parsed once (and shared, read-only).
            // The row before usually has the very same texts (the same string from Names): then nothing is looked up.
            string parametersJson = names.Of(stmt.Utf8(5), 5);
            if (!ReferenceEquals(parametersJson, lastJson))
            {
                lastJson = parametersJson;
                if (!parameters.TryGetValue(parametersJson, out var found)) parameters.Add(parametersJson, found = Codec.ParametersFrom(parametersJson));
                parameterSet = found;
            }
            string startedText = names.Of(stmt.Utf8(12), 12);
            if (!ReferenceEquals(startedText, lastStarted))
            {
                lastStarted = startedText;
                if (!started.TryGetValue(startedText, out startedUtc)) started.Add(startedText, startedUtc = Codec.Timestamp(startedText));
            }
            rows[n++] = new TrialRecord(
                RunId: names.Of(stmt.Utf8(1), 1),
                Experiment: names.Of(stmt.Utf8(2), 2),
                Runtime: names.Of(stmt.Utf8(3), 3),
                Workload: names.Of(stmt.Utf8(4), 4),
                Parameters: parameterSet,
                Iteration: (int)stmt.Int64(6),
                Warmup: stmt.Int64(7) != 0,
                Status: Codec.TrialStatusFrom(names.Of(stmt.Utf8(8), 8)),
                Error: stmt.IsNull(9) ? null : stmt.Text(9),
                Readiness: names.Of(stmt.Utf8(10), 10),
                ReadinessResolutionNs: stmt.Int64(11),
                StartedUtc: startedUtc,
                OriginNs: stmt.Int64(13),
                Phases: new Segment<KeyValuePair<string, long>>(),
                Samples: new Segment<KeyValuePair<string, double>>())
            { Id = stmt.Int64(0) };
        }
        // Rows counted but gone when read cannot happen inside one read transaction; a short array is kept short anyway.
        if (n < rows.Length) Array.Resize(ref rows, n);
        return rows;
    }

    /// <summary>
    /// Reads the (trial id, name, value) rows of the trials <paramref name="ids"/> (ascending) into one array where
    /// each trial's rows are a contiguous segment, in the order the query gave them. The rows per trial are counted
    /// first from the table's index on trial_id (cheap: the index alone answers it), so every row is written once
    /// into its final place and nothing grows.
    /// </summary>
    private static Children<T> ReadChildren<T>(BulkConnection c, string table, string runId, long[] ids, Names names)
    {
        var start = new int[ids.Length + 1];
        if (ids.Length == 0) return new Children<T>([], start);
        var index = new Dictionary<long, int>(ids.Length);
        for (int i = 0; i < ids.Length; i++) index.Add(ids[i], i);
        long low = ids[0], high = ids[^1];
        using (var count = c.Prepare($"SELECT trial_id, count(*) FROM {table} WHERE trial_id BETWEEN ?1 AND ?2 GROUP BY trial_id;"))
        {
            count.Bind(1, low);
            count.Bind(2, high);
            while (count.Step())
                if (index.TryGetValue(count.Int64(0), out int at)) start[at + 1] = (int)count.Int64(1);
        }
        for (int i = 0; i < ids.Length; i++) start[i + 1] += start[i];
        var all = new KeyValuePair<string, T>[start[^1]];
        var next = start[..^1];

        // When the run is most of the file, one pass over the whole child table in storage order costs a fraction of
        // an index lookup per row (1.9 million phases: 0.2 s against 0.7 s of SQLite's time); the rows of other runs
        // that fall in the id range are dropped by the index. A small run in a large file is looked up through the index.
        bool scan = ids.Length * 2L >= c.Scalar("SELECT count(*) FROM trials;");
        string name = table == "phases" ? "name" : "metric", v = table == "phases" ? "t_ns" : "value";
        using var stmt = c.Prepare(scan
            ? $"SELECT trial_id, {name}, {v} FROM {table} NOT INDEXED WHERE trial_id BETWEEN ?1 AND ?2;"
            : $"SELECT c.trial_id, c.{name}, c.{v} FROM trials t JOIN {table} c ON c.trial_id = t.id WHERE t.run_id = ?3 ORDER BY t.id, c.rowid;");
        if (scan)
        {
            stmt.Bind(1, low);
            stmt.Bind(2, high);
        }
        else stmt.Bind(3, runId);
        long current = long.MinValue;
        int owner = -1, rank = 0;
        while (stmt.Step())
        {
            long trialId = stmt.Int64(0);
            if (trialId != current)
            {
                current = trialId;
                owner = index.GetValueOrDefault(trialId, -1);
                rank = 0;
            }
            if (owner < 0) continue; // another run's trial within the id range
            // Trials of one experiment name their rows alike and in the same order: a row's name is first compared
            // with that of the row at the same rank in the trial before.
            string rowName = names.Of(stmt.Utf8(1), rank++);
            // A row appended after the count (another process writing) has no place: the read transaction prevents it.
            // T is long (phases) or double (samples); BitCast never boxes, whichever code the JIT made.
            all[next[owner]++] = new KeyValuePair<string, T>(rowName, typeof(T) == typeof(long)
                ? System.Runtime.CompilerServices.Unsafe.BitCast<long, T>(stmt.Int64(2))
                : System.Runtime.CompilerServices.Unsafe.BitCast<double, T>(stmt.Double(2)));
        }
        return new Children<T>(all, start);
    }

    /// <summary>Rows grouped by trial position: one array, trial i's rows at [start[i], start[i + 1]).</summary>
    private sealed class Children<T>(KeyValuePair<string, T>[] all, int[] start)
    {
        /// <summary>Points <paramref name="segment"/> at the rows of the trial at <paramref name="trial"/> (none when negative).</summary>
        public void Fill(Segment<KeyValuePair<string, T>> segment, int trial)
        {
            if (trial >= 0 && trial + 1 < start.Length) segment.Fill(all, start[trial], start[trial + 1] - start[trial]);
        }
    }

    /// <summary>A trial's phases or samples: its segment of the run's one array of them, set once all are read.</summary>
    private sealed class Segment<T> : ISpanList<T>
    {
        private T[] _all = [];
        private int _offset, _count;

        public void Fill(T[] all, int offset, int count) => (_all, _offset, _count) = (all, offset, count);

        public ReadOnlySpan<T> Span => new(_all, _offset, _count);

        public Span<T> Writable => new(_all, _offset, _count);

        public int Count => _count;

        public T this[int index] => (uint)index < (uint)_count ? _all[_offset + index] : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<T> GetEnumerator()
        {
            for (int i = 0; i < _count; i++) yield return _all[_offset + i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// The texts of a read, each decoded once: a column's UTF-8 bytes are compared with those seen before and the
    /// string made then is returned. A slot (a column, or a row's rank within its trial) remembers its last text, which
    /// the next one usually repeats, so most texts cost one comparison. Beyond <see cref="Max"/> distinct texts, new
    /// ones are decoded as they come.
    /// </summary>
    private sealed class Names
    {
        private const int Max = 4096;
        private readonly Dictionary<int, List<(byte[] Bytes, string Text)>> _byHash = [];
        private readonly (byte[]? Bytes, string Text)[] _last = new (byte[]?, string)[64];
        private int _count;

        public string Of(ReadOnlySpan<byte> bytes, int slot)
        {
            if ((uint)slot >= (uint)_last.Length) return Of(bytes);
            ref var last = ref _last[slot];
            if (last.Bytes is null || !bytes.SequenceEqual(last.Bytes)) last = (bytes.ToArray(), Of(bytes));
            return last.Text;
        }

        private string Of(ReadOnlySpan<byte> bytes)
        {
            var h = new HashCode();
            h.AddBytes(bytes);
            int hash = h.ToHashCode();
            if (_byHash.TryGetValue(hash, out var bucket))
            {
                foreach (var (b, text) in bucket)
                    if (bytes.SequenceEqual(b)) return text;
            }
            string made = Encoding.UTF8.GetString(bytes);
            if (_count >= Max) return made;
            if (bucket is null) _byHash.Add(hash, bucket = []);
            bucket.Add((bytes.ToArray(), made));
            _count++;
            return made;
        }
    }
}
