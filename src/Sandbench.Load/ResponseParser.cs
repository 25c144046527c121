using System.Text;

namespace Sandbench.Load;

/// <summary>What <see cref="ResponseParser.Feed"/> found.</summary>
public enum ParseState
{
    /// <summary>The response is not complete; feed more bytes (or <see cref="ResponseParser.EndOfStream"/>).</summary>
    NeedMore,
    /// <summary>One whole response was read.</summary>
    Complete,
    /// <summary>The bytes are not an HTTP/1.x response.</summary>
    Malformed,
}

/// <summary>
/// An incremental HTTP/1.x response parser: status line, headers, and a body framed by
/// Content-Length, chunked transfer coding, or the end of the connection. Bytes may arrive split
/// anywhere. Interim 1xx responses are skipped. Bodies are counted, not kept.
/// </summary>
public sealed class ResponseParser
{
    private const int MaxLine = 16 * 1024;

    private enum Phase { StatusLine, Header, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailer, UntilClose, Done }

    private readonly byte[] _line = new byte[MaxLine];
    private int _lineLen;
    private Phase _phase;
    private long _remaining;
    private bool _chunked;
    private long _contentLength;
    private bool _http10;
    private bool _closeHeader;
    private bool _keepAliveHeader;

    /// <summary>The request had no response body by definition (HEAD).</summary>
    public bool NoBody { get; set; }

    public int StatusCode { get; private set; }

    /// <summary>
    /// What the function said its own work took (<see cref="FunctionDurationHeader"/>, integer nanoseconds);
    /// -1 when the response had no such header or an unreadable one.
    /// </summary>
    public long FunctionNs { get; private set; } = -1;

    /// <summary>The response header in which a workload reports its in-function duration, in nanoseconds.</summary>
    public const string FunctionDurationHeader = "X-Function-Duration-Ns";

    /// <summary>Body bytes (after chunk decoding).</summary>
    public long BodyBytes { get; private set; }

    /// <summary>Why the response was malformed, when it was.</summary>
    public string? Problem { get; private set; }

    /// <summary>The connection may carry another request after this response.</summary>
    public bool KeepAlive => !_closeHeader && (!_http10 || _keepAliveHeader) && _phase == Phase.Done;

    /// <summary>Ready for the next response on the same connection.</summary>
    public void Reset()
    {
        _lineLen = 0;
        _phase = Phase.StatusLine;
        StatusCode = 0;
        BodyBytes = 0;
        Problem = null;
        ResetHeaders();
    }

    private void ResetHeaders()
    {
        _remaining = 0;
        _chunked = false;
        _contentLength = -1;
        _http10 = false;
        _closeHeader = false;
        _keepAliveHeader = false;
        FunctionNs = -1;
    }

    /// <summary>Consumes bytes; <paramref name="consumed"/> says how many belong to this response.</summary>
    public ParseState Feed(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        while (consumed < data.Length)
        {
            var rest = data[consumed..];
            switch (_phase)
            {
                case Phase.Body:
                case Phase.ChunkData:
                {
                    int n = (int)Math.Min(_remaining, rest.Length);
                    consumed += n;
                    _remaining -= n;
                    BodyBytes += n;
                    if (_remaining == 0) _phase = _phase == Phase.Body ? Phase.Done : Phase.ChunkDataEnd;
                    break;
                }
                case Phase.UntilClose:
                    BodyBytes += rest.Length;
                    consumed = data.Length;
                    break;
                case Phase.Done:
                    return ParseState.Complete;
                default:
                {
                    int nl = rest.IndexOf((byte)'\n');
                    int take = nl < 0 ? rest.Length : nl + 1;
                    if (_lineLen + take > MaxLine) return Fail("a line longer than 16 KiB");
                    rest[..take].CopyTo(_line.AsSpan(_lineLen));
                    _lineLen += take;
                    consumed += take;
                    if (nl < 0) break;
                    var line = _line.AsSpan(0, _lineLen).TrimEnd("\r\n"u8);
                    _lineLen = 0;
                    if (!OnLine(line)) return ParseState.Malformed;
                    break;
                }
            }
            if (_phase == Phase.Done) return ParseState.Complete;
        }
        return _phase == Phase.Done ? ParseState.Complete : ParseState.NeedMore;
    }

    /// <summary>The server closed the connection: completes a body read until close, else the response is cut short.</summary>
    public ParseState EndOfStream()
    {
        if (_phase == Phase.UntilClose)
        {
            _phase = Phase.Done;
            _closeHeader = true;
            return ParseState.Complete;
        }
        return _phase == Phase.Done ? ParseState.Complete : Fail("the connection closed before the response was complete");
    }

    private ParseState Fail(string problem)
    {
        Problem = problem;
        return ParseState.Malformed;
    }

    private bool Bad(string problem)
    {
        Problem = problem;
        return false;
    }

    private bool OnLine(ReadOnlySpan<byte> line)
    {
        switch (_phase)
        {
            case Phase.StatusLine:
                return ParseStatusLine(line);
            case Phase.Header:
                return line.IsEmpty ? EndOfHeaders() : ParseHeader(line);
            case Phase.ChunkSize:
                return ParseChunkSize(line);
            case Phase.ChunkDataEnd:
                if (!line.IsEmpty) return Bad("chunk data longer than its size");
                _phase = Phase.ChunkSize;
                return true;
            case Phase.Trailer:
                if (line.IsEmpty) _phase = Phase.Done;
                return true;
            default:
                return Bad("internal: a line in the body");
        }
    }

    private bool ParseStatusLine(ReadOnlySpan<byte> line)
    {
        // "HTTP/1.1 200 OK": version, space, three digits, then optionally a space and a reason.
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[8] != (byte)' ' || (line.Length > 12 && line[12] != (byte)' '))
            return Bad("not an HTTP/1.x status line: " + Printable(line));
        int code = 0;
        for (int i = 9; i < 12; i++)
        {
            if (line[i] is < (byte)'0' or > (byte)'9') return Bad("bad status code: " + Printable(line));
            code = code * 10 + (line[i] - '0');
        }
        if (code < 100) return Bad("bad status code: " + Printable(line));
        StatusCode = code;
        ResetHeaders();
        _http10 = line[7] == (byte)'0';
        _phase = Phase.Header;
        return true;
    }

    private bool ParseHeader(ReadOnlySpan<byte> line)
    {
        int colon = line.IndexOf((byte)':');
        if (colon <= 0) return Bad("a header line without a name: " + Printable(line));
        var name = line[..colon];
        var value = line[(colon + 1)..].Trim(" \t"u8);
        if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
        {
            long n = 0;
            if (value.IsEmpty) return Bad("empty Content-Length");
            foreach (byte b in value)
            {
                if (b is < (byte)'0' or > (byte)'9' || n > long.MaxValue / 10 - 10) return Bad("bad Content-Length: " + Printable(value));
                n = n * 10 + (b - '0');
            }
            if (_contentLength >= 0 && _contentLength != n) return Bad("conflicting Content-Length headers");
            _contentLength = n;
        }
        else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
        {
            _chunked = EndsWithToken(value, "chunked"u8);
        }
        else if (Ascii.EqualsIgnoreCase(name, "x-function-duration-ns"u8))
        {
            long n = 0;
            foreach (byte b in value)
            {
                if (b is < (byte)'0' or > (byte)'9' || n > long.MaxValue / 10 - 10) return true; // unreadable: not reported
                n = n * 10 + (b - '0');
            }
            if (!value.IsEmpty) FunctionNs = n;
        }
        else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
        {
            if (ContainsToken(value, "close"u8)) _closeHeader = true;
            if (ContainsToken(value, "keep-alive"u8)) _keepAliveHeader = true;
        }
        return true;
    }

    private bool EndOfHeaders()
    {
        if (StatusCode < 200)
        {
            _phase = Phase.StatusLine; // an interim response: the real one follows
            return true;
        }
        if (NoBody || StatusCode is 204 or 304) _phase = Phase.Done;
        else if (_chunked) _phase = Phase.ChunkSize;
        else if (_contentLength >= 0)
        {
            _remaining = _contentLength;
            _phase = _remaining == 0 ? Phase.Done : Phase.Body;
        }
        else _phase = Phase.UntilClose;
        return true;
    }

    private bool ParseChunkSize(ReadOnlySpan<byte> line)
    {
        int semi = line.IndexOf((byte)';');
        var hex = (semi < 0 ? line : line[..semi]).Trim(" \t"u8);
        if (hex.IsEmpty || hex.Length > 15) return Bad("bad chunk size: " + Printable(line));
        long size = 0;
        foreach (byte b in hex)
        {
            int d = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (d < 0) return Bad("bad chunk size: " + Printable(line));
            size = size * 16 + d;
        }
        _remaining = size;
        _phase = size == 0 ? Phase.Trailer : Phase.ChunkData;
        return true;
    }

    private static bool ContainsToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token)) return true;
        return false;
    }

    private static bool EndsWithToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        int comma = value.LastIndexOf((byte)',');
        return Ascii.EqualsIgnoreCase((comma < 0 ? value : value[(comma + 1)..]).Trim(" \t"u8), token);
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var s = Encoding.ASCII.GetString(bytes[..Math.Min(bytes.Length, 80)]);
        return new string([.. s.Select(c => c is >= ' ' and < (char)127 ? c : '?')]);
    }
}
