using System.Globalization;
using System.Text;

namespace Sandbench.FakeVmm;

internal sealed record HttpRequest(string Method, string Path, string Body);

/// <summary>Just enough HTTP/1.1 for a VMM's API socket: Content-Length bodies, keep-alive.</summary>
internal sealed class HttpRequestReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[65536];
    private int _length;

    public async Task<HttpRequest?> ReadAsync()
    {
        int end;
        while ((end = IndexOfHeaderEnd()) < 0)
        {
            int n = await stream.ReadAsync(_buffer.AsMemory(_length));
            if (n == 0) return null;
            _length += n;
        }
        string head = Encoding.ASCII.GetString(_buffer, 0, end);
        string[] lines = head.Split("\r\n");
        string[] first = lines[0].Split(' ');
        int contentLength = 0;
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                contentLength = int.Parse(line[(colon + 1)..].Trim(), CultureInfo.InvariantCulture);
        }
        int total = end + 4 + contentLength;
        while (_length < total)
        {
            int n = await stream.ReadAsync(_buffer.AsMemory(_length));
            if (n == 0) return null;
            _length += n;
        }
        string body = Encoding.UTF8.GetString(_buffer, end + 4, contentLength);
        Buffer.BlockCopy(_buffer, total, _buffer, 0, _length - total);
        _length -= total;
        return new HttpRequest(first[0], first.Length > 1 ? first[1] : "/", body);
    }

    private int IndexOfHeaderEnd() => _buffer.AsSpan(0, _length).IndexOf("\r\n\r\n"u8);

    public static async Task WriteResponseAsync(Stream stream, int status, string? body)
    {
        string reason = status switch
        {
            200 => "OK", 204 => "No Content", 400 => "Bad Request", 404 => "Not Found", 405 => "Method Not Allowed",
            _ => "Internal Server Error",
        };
        byte[] payload = Encoding.UTF8.GetBytes(body ?? "");
        string head = $"HTTP/1.1 {status} {reason}\r\nServer: fake-vmm\r\n" +
            (body is null ? "" : "Content-Type: application/json\r\n") + $"Content-Length: {payload.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(payload);
        await stream.FlushAsync();
    }
}
