using System.Text;

namespace Sandbench.Load.CloudEvents;

/// <summary>One HTTP/1.x request as the sink received it.</summary>
internal sealed record HttpRequestData(string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body, bool KeepAlive);

internal enum ReadState
{
    NeedMore,
    Complete,
    Malformed,
}

/// <summary>
/// Reads HTTP/1.x requests off one connection: bytes may arrive split anywhere and several requests
/// may arrive in one read (pipelining). Bodies are framed by Content-Length or chunked coding; no
/// body without either. A malformed request ends the connection (the stream cannot be resynced).
/// </summary>
internal sealed class HttpRequestReader
{
    public const int MaxHead = 64 * 1024;
    public const int MaxBody = 1024 * 1024;

    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private int _scanFrom;

    /// <summary>Where the next read goes; makes room first (at least 4 KiB).</summary>
    public Memory<byte> FreeSpace()
    {
        if (_buffer.Length - _end < 4096)
        {
            int used = _end - _start;
            if (_start > 0 && _buffer.Length - used >= 4096)
            {
                _buffer.AsSpan(_start, used).CopyTo(_buffer);
            }
            else
            {
                var bigger = new byte[_buffer.Length * 2];
                _buffer.AsSpan(_start, used).CopyTo(bigger);
                _buffer = bigger;
            }
            _scanFrom -= _start;
            _start = 0;
            _end = used;
        }
        return _buffer.AsMemory(_end);
    }

    public void Advance(int read) => _end += read;

    /// <summary>Takes the next complete request off the buffer, if there is one.</summary>
    public ReadState TryRead(out HttpRequestData? request, out string? problem)
    {
        request = null;
        problem = null;
        var data = _buffer.AsSpan(_start, _end - _start);
        int scanned = Math.Max(0, _scanFrom - _start);
        int headEnd = data[scanned..].IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            _scanFrom = Math.Max(_start, _end - 3);
            return Fail(data.Length > MaxHead ? "request headers longer than 64 KiB" : null, out problem);
        }
        headEnd += scanned;
        if (headEnd > MaxHead) return Fail("request headers longer than 64 KiB", out problem);

        var lines = Encoding.Latin1.GetString(data[..headEnd]).Split("\r\n");
        var first = lines[0].Split(' ');
        if (first.Length != 3 || first[0].Length == 0 || !first[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || first[2].Length != 8)
            return Fail("not an HTTP/1.x request line: " + Printable(lines[0]), out problem);
        var headers = new List<KeyValuePair<string, string>>(lines.Length - 1);
        long contentLength = -1;
        bool chunked = false, close = false, keepAlive = false;
        foreach (var line in lines.AsSpan(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line[0] is ' ' or '\t') return Fail("a header line without a name: " + Printable(line), out problem);
            string name = line[..colon], value = line[(colon + 1)..].Trim(' ', '\t');
            headers.Add(new(name, value));
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n)
                    || (contentLength >= 0 && contentLength != n))
                    return Fail("bad Content-Length: " + Printable(value), out problem);
                contentLength = n;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                chunked = value.EndsWith("chunked", StringComparison.OrdinalIgnoreCase);
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                close |= value.Contains("close", StringComparison.OrdinalIgnoreCase);
                keepAlive |= value.Contains("keep-alive", StringComparison.OrdinalIgnoreCase);
            }
        }
        if (contentLength > MaxBody) return Fail("body larger than 1 MiB", out problem);

        int bodyStart = headEnd + 4;
        byte[] body;
        int consumed;
        if (chunked)
        {
            var state = Dechunk(data[bodyStart..], out body, out int used, out problem);
            if (state != ReadState.Complete) return state == ReadState.NeedMore ? ReadState.NeedMore : Fail(problem, out problem);
            consumed = bodyStart + used;
        }
        else
        {
            long length = Math.Max(0, contentLength);
            if (data.Length - bodyStart < length) return ReadState.NeedMore;
            body = data.Slice(bodyStart, (int)length).ToArray();
            consumed = bodyStart + (int)length;
        }
        _start += consumed;
        _scanFrom = _start;
        bool http11 = first[2] == "HTTP/1.1";
        request = new HttpRequestData(first[0], first[1], headers, body, !close && (http11 || keepAlive));
        return ReadState.Complete;
    }

    private static ReadState Fail(string? problem, out string? message)
    {
        message = problem;
        return problem is null ? ReadState.NeedMore : ReadState.Malformed;
    }

    private static ReadState Dechunk(ReadOnlySpan<byte> data, out byte[] body, out int used, out string? problem)
    {
        body = [];
        used = 0;
        problem = null;
        using var collected = new MemoryStream();
        int at = 0;
        while (true)
        {
            int nl = data[at..].IndexOf("\r\n"u8);
            if (nl < 0) return ReadState.NeedMore;
            var sizeText = Encoding.Latin1.GetString(data.Slice(at, nl)).Split(';')[0].Trim();
            if (!long.TryParse(sizeText, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out long size) || size < 0)
            {
                problem = "bad chunk size: " + Printable(sizeText);
                return ReadState.Malformed;
            }
            at += nl + 2;
            if (size == 0)
            {
                // Trailers, then an empty line.
                while (true)
                {
                    int end = data[at..].IndexOf("\r\n"u8);
                    if (end < 0) return ReadState.NeedMore;
                    at += end + 2;
                    if (end == 0) break;
                }
                body = collected.ToArray();
                used = at;
                return ReadState.Complete;
            }
            if (collected.Length + size > MaxBody)
            {
                problem = "body larger than 1 MiB";
                return ReadState.Malformed;
            }
            if (data.Length - at < size + 2) return ReadState.NeedMore;
            collected.Write(data.Slice(at, (int)size));
            at += (int)size;
            if (!data.Slice(at, 2).SequenceEqual("\r\n"u8))
            {
                problem = "chunk data longer than its size";
                return ReadState.Malformed;
            }
            at += 2;
        }
    }

    private static string Printable(string s) => new([.. s.Take(80).Select(c => c is >= ' ' and < (char)127 ? c : '?')]);
}
