using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sandbench.Gateway.Tests;

/// <summary>A byte-level HTTP/1.1 client: what goes on the wire is what the test wrote, and what came back is shown as it was framed.</summary>
internal sealed class RawHttp : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly NetworkStream _stream;
    private readonly MemoryStream _pending = new();

    public RawHttp(Uri url)
    {
        _socket.Connect(new IPEndPoint(IPAddress.Loopback, url.Port));
        _stream = new NetworkStream(_socket);
    }

    public async Task SendAsync(string request) => await _stream.WriteAsync(Encoding.ASCII.GetBytes(request));

    /// <summary>Reads one response: its head (status line and headers, names lowercased) and its body, decoded when chunked.</summary>
    public async Task<(int Status, Dictionary<string, string> Headers, string Body)> ReadAsync()
    {
        string head = Encoding.ASCII.GetString(await ReadUntilAsync("\r\n\r\n"u8.ToArray()));
        var lines = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        int status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        string body;
        if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var sb = new StringBuilder();
            while (true)
            {
                string sizeLine = Encoding.ASCII.GetString(await ReadUntilAsync("\r\n"u8.ToArray())).Trim();
                int size = Convert.ToInt32(sizeLine.Split(';')[0], 16);
                if (size == 0)
                {
                    await ReadUntilAsync("\r\n"u8.ToArray());
                    break;
                }
                sb.Append(Encoding.ASCII.GetString(await ReadExactlyAsync(size)));
                await ReadExactlyAsync(2);
            }
            body = sb.ToString();
        }
        else body = headers.TryGetValue("content-length", out var cl) ? Encoding.ASCII.GetString(await ReadExactlyAsync(int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture))) : "";
        return (status, headers, body);
    }

    private async Task<byte[]> ReadUntilAsync(byte[] terminator)
    {
        while (true)
        {
            var buffer = _pending.ToArray();
            int at = buffer.AsSpan().IndexOf(terminator);
            if (at >= 0)
            {
                Take(at + terminator.Length);
                return buffer[..at];
            }
            await FillAsync();
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int n)
    {
        while (_pending.Length < n) await FillAsync();
        var bytes = _pending.ToArray()[..n];
        Take(n);
        return bytes;
    }

    private void Take(int n)
    {
        var rest = _pending.ToArray()[n..];
        _pending.SetLength(0);
        _pending.Write(rest);
    }

    private async Task FillAsync()
    {
        var chunk = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int r = await _stream.ReadAsync(chunk, timeout.Token);
        if (r == 0) throw new IOException("the gateway closed the connection");
        _pending.Write(chunk, 0, r);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }
}
