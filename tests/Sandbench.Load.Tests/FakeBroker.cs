using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Load.Tests;

/// <summary>
/// A broker on 127.0.0.1 as Knative's broker ingress and a Trigger make one: it answers 202 to each POSTed event
/// at once and delivers it later to the subscriber, with the CloudEvents headers (or the structured body) as
/// received, plus the arrival-time extension Knative's ingress adds. It can delay deliveries, drop measured
/// events by a rule, never deliver, or refuse everything with 503. Deliveries wait until the subscriber is known
/// (<see cref="Subscribe"/>), as a Trigger's do until its subscriber is ready.
/// </summary>
internal sealed class FakeBroker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _client = new();
    private readonly ConcurrentBag<Task> _work = [];
    private readonly ConcurrentDictionary<string, long> _byType = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<Uri> _subscriber = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _accepting;
    private long _measured;
    private long _dropped;

    public FakeBroker()
    {
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>Where events go from now on (the sink's address; 0.0.0.0 is reached on 127.0.0.1).</summary>
    public void Subscribe(IPEndPoint sink) => _subscriber.TrySetResult(new Uri($"http://127.0.0.1:{sink.Port}/"));

    /// <summary>The ingress URL, with a Knative-like path.</summary>
    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/test-ns/default");

    public TimeSpan ForwardDelay { get; init; }

    /// <summary>Given the 1-based arrival number of a measured event, true drops it (answered 202, never delivered).</summary>
    public Func<long, bool>? DropMeasured { get; init; }

    public bool NeverForward { get; init; }

    /// <summary>Answer 503 to every event (and deliver none).</summary>
    public bool Unavailable { get; init; }

    /// <summary>Called with the arrival number of each measured event, before it is answered.</summary>
    public Action<long>? MeasuredArrived { get; init; }

    /// <summary>Events received, by type.</summary>
    public long Received(string type) => _byType.GetValueOrDefault(type);

    public long DroppedMeasured => Interlocked.Read(ref _dropped);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                _work.Add(Task.Run(() => ServeAsync(socket)));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var connection = socket;
        var reader = new HttpRequestReader();
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(reader.FreeSpace(), SocketFlags.None, _stop.Token);
                if (n == 0) return;
                reader.Advance(n);
                while (reader.TryRead(out var request, out _) == ReadState.Complete)
                {
                    long arrived = Stopwatch.GetTimestamp();
                    string type = TypeOf(request!);
                    _byType.AddOrUpdate(type, 1, (_, v) => v + 1);
                    byte[] answer = Unavailable ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"u8.ToArray() : Accept(request!, type, arrived);
                    await socket.SendAsync(answer, SocketFlags.None, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private byte[] Accept(HttpRequestData request, string type, long arrived)
    {
        bool drop = false;
        if (type == EventingRoundOptions.MeasuredType)
        {
            long number = Interlocked.Increment(ref _measured);
            MeasuredArrived?.Invoke(number);
            drop = DropMeasured?.Invoke(number) == true;
            if (drop) Interlocked.Increment(ref _dropped);
        }
        if (!NeverForward && !drop) _work.Add(Task.Run(() => ForwardAsync(request, arrived)));
        return "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
    }

    private async Task ForwardAsync(HttpRequestData request, long arrived)
    {
        try
        {
            // Timers run on a coarse clock and may fire a few ms early: the delay is checked on the monotonic clock.
            for (var left = ForwardDelay; left > TimeSpan.Zero; left = ForwardDelay - Stopwatch.GetElapsedTime(arrived))
                await Task.Delay(left + TimeSpan.FromMilliseconds(1), _stop.Token);
            var subscriber = await _subscriber.Task.WaitAsync(_stop.Token);
            using var message = new HttpRequestMessage(HttpMethod.Post, subscriber) { Content = new ByteArrayContent(request.Body) };
            foreach (var (name, value) in request.Headers)
            {
                if (name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase)) message.Headers.TryAddWithoutValidation(name, value);
                else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) message.Content.Headers.TryAddWithoutValidation(name, value);
            }
            if (request.Headers.Any(h => h.Key.Equals("ce-specversion", StringComparison.OrdinalIgnoreCase)))
                message.Headers.TryAddWithoutValidation("ce-knativearrivaltime", "2030-01-02T03:04:05.123456Z");
            using var response = await _client.SendAsync(message, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException)
        {
            // the subscriber is gone: a real broker would retry; this one gives up
        }
    }

    private static string TypeOf(HttpRequestData request)
    {
        foreach (var (name, value) in request.Headers)
            if (name.Equals("ce-type", StringComparison.OrdinalIgnoreCase)) return value;
        try
        {
            using var doc = JsonDocument.Parse(request.Body);
            return doc.RootElement.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(request.Body);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_work);
        _client.Dispose();
        _stop.Dispose();
    }
}
