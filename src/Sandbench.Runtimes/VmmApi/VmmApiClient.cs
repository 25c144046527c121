using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes.VmmApi;

/// <summary>A VMM's API refused a request: the status and the VMM's own words.</summary>
internal sealed class VmmApiException(string message) : InvalidOperationException(message);

/// <summary>
/// HTTP/1.1 over a VMM's unix API socket (Firecracker's <c>--api-sock</c>, Cloud Hypervisor's
/// <c>--api-socket</c>): .NET's HttpClient whose connections are unix-socket connections.
/// </summary>
internal sealed class VmmApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _vmm;

    public VmmApiClient(string vmm, string socketPath, TimeSpan requestTimeout)
    {
        _vmm = vmm;
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://localhost/"), Timeout = requestTimeout };
    }

    public string SocketPath { get; }

    /// <summary>Sends one request; throws <see cref="VmmApiException"/> unless the VMM answers 2xx. Returns the body.</summary>
    public async Task<string> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Headers.Accept.ParseAdd("application/json");
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new VmmApiException($"{_vmm} API {method} {path}: {e.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{_vmm} API {method} {path}: no answer within {_http.Timeout.TotalSeconds:0} s");
        }
        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new VmmApiException($"{_vmm} refused {method} {path}: {(int)response.StatusCode} {Fault(text)}".TrimEnd());
            return text;
        }
    }

    public Task<string> PutAsync(string path, JsonNode? body, CancellationToken ct) => SendAsync(HttpMethod.Put, path, body, ct);

    /// <summary>Firecracker's errors are <c>{"fault_message": ...}</c>; Cloud Hypervisor's are plain text or JSON.</summary>
    public static string Fault(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject o && o["fault_message"] is JsonValue v) return v.ToString();
        }
        catch (JsonException)
        {
        }
        return body.Trim().ReplaceLineEndings(" ");
    }

    /// <summary>
    /// Waits until the VMM answers <c>GET <paramref name="path"/></c> on its API socket and returns the
    /// host time the answer arrived. The socket is probed by connecting every 100 µs (the VMM creates it
    /// during its start-up); a VMM that exits or never answers within <paramref name="timeout"/> fails.
    /// </summary>
    public async Task<long> WaitReadyAsync(string path, ChildProcess child, Func<long> nowNs, TimeSpan timeout, CancellationToken ct)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var endpoint = new UnixDomainSocketEndPoint(SocketPath);
        void CheckAlive()
        {
            ct.ThrowIfCancellationRequested();
            if (child.TryReap(out int status)) throw new InvalidOperationException($"{_vmm} {Libc.DescribeStatus(status)} before its API socket answered");
            if (Environment.TickCount64 > deadline) throw new TimeoutException($"{_vmm} API socket did not answer within {timeout.TotalSeconds:0} s");
        }
        while (true)
        {
            await Task.Factory.StartNew(() =>
            {
                while (true)
                {
                    using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        s.Connect(endpoint);
                        return;
                    }
                    catch (SocketException)
                    {
                    }
                    CheckAlive();
                    var spin = new SpinWait();
                    long until = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 10_000);
                    while (Stopwatch.GetTimestamp() < until) spin.SpinOnce(sleep1Threshold: -1);
                }
            }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(1, deadline - Environment.TickCount64)));
            try
            {
                await SendAsync(HttpMethod.Get, path, null, cts.Token).ConfigureAwait(false);
                return nowNs();
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                CheckAlive();
                throw new TimeoutException($"{_vmm} API socket did not answer within {timeout.TotalSeconds:0} s");
            }
            catch (VmmApiException)
            {
                // Listening but not serving yet (or gone): look again.
                CheckAlive();
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
