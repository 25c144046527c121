using System.Net;
using System.Net.Sockets;
using System.Text;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Load.Tests;

/// <summary>An <see cref="EventSink"/> running in the test process on a free port of 127.0.0.1.</summary>
internal sealed class RunningSink : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;

    private RunningSink(EventSink sink, Task<SinkResult> run, IPEndPoint endpoint, CancellationTokenSource stop)
    {
        Sink = sink;
        Run = run;
        Endpoint = endpoint;
        _stop = stop;
    }

    public EventSink Sink { get; }

    public Task<SinkResult> Run { get; }

    public IPEndPoint Endpoint { get; }

    public Uri Url => new($"http://127.0.0.1:{Endpoint.Port}/");

    private IPEndPoint Loopback => new(IPAddress.Loopback, Endpoint.Port);

    public static async Task<RunningSink> StartAsync(SinkOptions options, TimeProvider? time = null, Action<ArrivedEvent>? otherTypeArrived = null)
    {
        var listening = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stop = new CancellationTokenSource();
        var sink = new EventSink(options) { Listening = ep => listening.TrySetResult(ep), Time = time ?? TimeProvider.System, OtherTypeArrived = otherTypeArrived };
        var run = Task.Run(() => sink.RunAsync(stop.Token));
        if (await Task.WhenAny(listening.Task, run) == run) await run; // a failure to listen surfaces here
        return new RunningSink(sink, run, await listening.Task, stop);
    }

    /// <summary>Ctrl+C for the sink: it ends and returns what it received.</summary>
    public async Task<SinkResult> StopAsync()
    {
        await _stop.CancelAsync();
        return await Run;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Run.IsCompleted) await StopAsync();
        _stop.Dispose();
    }

    /// <summary>Sends raw bytes on a new connection and returns everything the sink answers until it closes.</summary>
    public async Task<string> SendRawAsync(string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(Loopback, limit.Token); // a sink on 0.0.0.0 is reached on 127.0.0.1
        await socket.SendAsync(Encoding.UTF8.GetBytes(request), SocketFlags.None, limit.Token);
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        while (await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token) is var n and > 0) answer.Write(buffer, 0, n);
        return Encoding.UTF8.GetString(answer.ToArray());
    }
}

/// <summary>Hand-made CloudEvent requests, each on a connection the sink closes after answering.</summary>
internal static class Events
{
    public static string Binary(string id, string? extra = null, string specVersion = "1.0", string body = "{}") =>
        $"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nce-specversion: {specVersion}\r\nce-id: {id}\r\nce-source: /test\r\nce-type: test.event\r\n{extra}"
        + $"Content-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";

    public static string Structured(string json) =>
        $"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/cloudevents+json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}";
}
