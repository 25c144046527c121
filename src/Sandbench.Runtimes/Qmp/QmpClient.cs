using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Sandbench.Runtimes.Qmp;

/// <summary>
/// A client of the QEMU Machine Protocol over a unix socket: reads the greeting, negotiates
/// capabilities, runs one command at a time, and queues events (RESUME, STOP, SHUTDOWN ...) with
/// the host time at which each was received.
/// </summary>
internal sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly Stream _stream;
    private readonly Channel<JsonObject> _returns = Channel.CreateUnbounded<JsonObject>();
    private readonly Task _pump;
    private readonly Func<long> _now;

    private QmpClient(Socket socket, Func<long> now)
    {
        _socket = socket;
        _now = now;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, Encoding.UTF8);
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Events as (name, host ns when received, the event's own data).</summary>
    public Channel<(string Name, long ReceivedNs, JsonObject Event)> Events { get; } = Channel.CreateUnbounded<(string, long, JsonObject)>();

    /// <summary>The greeting (QEMU's version), once connected.</summary>
    public JsonObject? Greeting { get; private set; }

    /// <summary>Host ns at which the greeting arrived: the VMM is ready.</summary>
    public long GreetingNs { get; private set; }

    /// <summary>
    /// Host ns at which QEMU answered the capabilities negotiation. QEMU greets as soon as its monitor
    /// exists but answers commands only once its main loop runs (the machine is built, kernel and
    /// initramfs loaded): measured here under TCG, greeting → answer takes ~70 ms.
    /// </summary>
    public long CommandsNs { get; private set; }

    /// <summary>Connects, reads the greeting and negotiates capabilities, stamping both moments.</summary>
    public static async Task<QmpClient> ConnectAsync(Socket connected, Func<long> now, CancellationToken ct)
    {
        var client = new QmpClient(connected, now);
        client.Greeting = await client._returns.Reader.ReadAsync(ct).ConfigureAwait(false);
        if (client.Greeting["QMP"] is null) throw new InvalidOperationException($"not a QMP greeting: {client.Greeting.ToJsonString()}");
        await client.ExecuteAsync("qmp_capabilities", ct).ConfigureAwait(false);
        client.CommandsNs = now();
        return client;
    }

    /// <summary>Runs a command; throws with QEMU's message when it answers with an error.</summary>
    public async Task<JsonNode?> ExecuteAsync(string command, CancellationToken ct, JsonObject? arguments = null)
    {
        var request = new JsonObject { ["execute"] = command };
        if (arguments is not null) request["arguments"] = arguments;
        byte[] line = Encoding.UTF8.GetBytes(request.ToJsonString() + "\n");
        await _stream.WriteAsync(line, ct).ConfigureAwait(false);
        var answer = await _returns.Reader.ReadAsync(ct).ConfigureAwait(false);
        if (answer["error"] is JsonObject error)
            throw new InvalidOperationException($"QMP {command}: {error["desc"]?.GetValue<string>() ?? error.ToJsonString()}");
        return answer["return"];
    }

    private async Task PumpAsync()
    {
        try
        {
            while (await _reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                long at = _now();
                if (line.Length == 0) continue;
                if (JsonNode.Parse(line) is not JsonObject message) continue;
                if (GreetingNs == 0) GreetingNs = at;
                if (message["event"]?.GetValue<string>() is { } name) await Events.Writer.WriteAsync((name, at, message)).ConfigureAwait(false);
                else await _returns.Writer.WriteAsync(message).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or JsonException or ObjectDisposedException)
        {
            // The VMM went away: readers see the channels complete.
        }
        finally
        {
            _returns.Writer.TryComplete();
            Events.Writer.TryComplete();
        }
    }

    /// <summary>Waits until QEMU closed the connection and every message it sent has been read into the channels.</summary>
    public bool WaitClosed(TimeSpan timeout) => _pump.Wait(timeout);

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        _socket.Dispose();
        await _pump.ConfigureAwait(false);
        _reader.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
