using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Sandbench.Community.Tests;

/// <summary>One GraphQL request as the fake endpoint received it.</summary>
public sealed record FakeRequest(string? Authorization, string? UserAgent, string OperationName, JsonElement Variables, string Query)
{
    public string? After => Variables.TryGetProperty("after", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
}

/// <summary>What the fake endpoint answers: a status, a body and extra headers.</summary>
public sealed record FakeResponse(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A GraphQL endpoint on 127.0.0.1 (HTTP/1.1 over a plain socket, one request per connection) that answers with
/// responses recorded in GitHub's shapes (Recorded/*.json), chosen by a handler; it keeps every request it got.
/// </summary>
public sealed class FakeGitHub : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<FakeRequest, FakeResponse> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public FakeGitHub(Func<FakeRequest, FakeResponse> handler)
    {
        _handler = handler;
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/graphql");

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    /// <summary>A recorded response body.</summary>
    public static string Recorded(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Recorded", name + ".json"));

    public static FakeResponse Ok(string name) => new(200, Recorded(name));

    /// <summary>The recorded repository cloudius-systems/osv: one query, three pages of pull requests, two of issues.</summary>
    public static FakeResponse Osv(FakeRequest r) => (r.OperationName, r.After) switch
    {
        ("Repository", _) => Ok("repository"),
        ("PullRequests", null) => Ok("pulls-1"),
        ("PullRequests", "Y3Vyc29yOnYyOpHOAAAAAg==") => Ok("pulls-2"),
        ("PullRequests", "Y3Vyc29yOnYyOpHOAAAABA==") => Ok("pulls-3"),
        ("Issues", null) => Ok("issues-1"),
        ("Issues", "Y3Vyc29yOnYyOpHOAAAAAw==") => Ok("issues-2"),
        _ => new FakeResponse(200, """{"errors":[{"message":"the fake has no recording for this request"}]}"""),
    };

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new List<byte>();
            var chunk = new byte[8192];
            int headerEnd;
            while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
            {
                int n = await stream.ReadAsync(chunk, _stop.Token);
                if (n == 0) return;
                buffer.AddRange(chunk.AsSpan(0, n));
            }
            var head = Encoding.ASCII.GetString([.. buffer.Take(headerEnd)]).Split("\r\n");
            var headers = head.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
                .ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
            int length = int.Parse(headers.GetValueOrDefault("content-length", "0"), System.Globalization.CultureInfo.InvariantCulture);
            while (buffer.Count < headerEnd + 4 + length)
            {
                int n = await stream.ReadAsync(chunk, _stop.Token);
                if (n == 0) return;
                buffer.AddRange(chunk.AsSpan(0, n));
            }
            using var doc = JsonDocument.Parse(buffer.Skip(headerEnd + 4).Take(length).ToArray());
            var root = doc.RootElement;
            var request = new FakeRequest(headers.GetValueOrDefault("authorization"), headers.GetValueOrDefault("user-agent"),
                root.GetProperty("operationName").GetString()!, root.GetProperty("variables").Clone(), root.GetProperty("query").GetString()!);
            Requests.Enqueue(request);
            var response = _handler(request);
            var body = Encoding.UTF8.GetBytes(response.Body);
            var text = new StringBuilder($"HTTP/1.1 {response.Status} {(response.Status == 200 ? "OK" : "Error")}\r\n")
                .Append("Content-Type: application/json; charset=utf-8\r\n")
                .Append(System.Globalization.CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\nConnection: close\r\n");
            foreach (var (k, v) in response.Headers ?? new Dictionary<string, string>()) text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{k}: {v}\r\n");
            text.Append("\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()), _stop.Token);
            await stream.WriteAsync(body, _stop.Token);
        }
    }

    private static int IndexOfHeaderEnd(List<byte> b)
    {
        for (int i = 0; i + 3 < b.Count; i++)
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') return i;
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
