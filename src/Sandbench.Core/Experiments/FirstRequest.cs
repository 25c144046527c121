using System.Net;
using System.Net.Sockets;
using System.Text;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Experiments;

/// <summary>
/// The first request of a cold start, on the request side's own thread: connect (or connect-retry),
/// send, and timestamp the first byte of the response the moment a blocking receive returns it.
/// </summary>
internal static class FirstRequest
{
    public static readonly byte[] Request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

    /// <summary>Connects to an already-listening socket: the kernel completes the handshake from the backlog.</summary>
    public static Socket ConnectAndSend(EndPoint listener, PhaseClock phases)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            s.Connect(listener);
            s.Send(Request);
            phases.Mark(Phases.RequestSent);
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects to <paramref name="endpoint"/> until accepted, at most every <paramref name="spacing"/>
    /// (spinning with sched_yield between attempts, since sleeps are far coarser than 100 µs). Runs from the
    /// spawn on, beside the runtime's own start, as an activator probing a new pod would. Marks
    /// <see cref="Phases.Listening"/> at the first accepted attempt.
    /// </summary>
    /// <param name="endpoint">Where the function listens (127.0.0.1:PORT, or the sandbox's own address); null while not yet known.</param>
    /// <param name="spacing">Least time between two attempts.</param>
    /// <param name="deadlineNs">When to give up (the clock's nanoseconds).</param>
    /// <param name="sandbox">The sandbox once the runtime returned it (checked for an early exit), else null.</param>
    /// <param name="phases">Where the attempts' outcomes are marked.</param>
    /// <param name="ct">Cancellation.</param>
    public static RetryResult ConnectRetry(Func<EndPoint?> endpoint, TimeSpan spacing, long deadlineNs, Func<ISandbox?> sandbox, PhaseClock phases,
        CancellationToken ct)
    {
        var clock = phases.Clock;
        long spacingNs = (long)(spacing.TotalMilliseconds * 1_000_000);
        long previous = 0, lastCheck = 0, gap = 0, maxGap = 0;
        int attempts = 0;
        while (true)
        {
            long now = clock.NowNs();
            if (endpoint() is { } target)
            {
                gap = previous == 0 ? 0 : now - previous;
                maxGap = Math.Max(maxGap, gap);
                previous = now;
                attempts++;
                var s = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    s.Connect(target);
                    phases.Mark(Phases.Listening);
                    s.Send(Request);
                    phases.Mark(Phases.RequestSent);
                    return new RetryResult(s, gap, maxGap, attempts);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    s.Dispose();
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            }
            if (now - lastCheck > 10_000_000)
            {
                lastCheck = now;
                ct.ThrowIfCancellationRequested();
                if (sandbox() is { } sb && sb.HasExited(out string reason)) throw new TrialFailedException(reason + " before it listened");
            }
            if (now > deadlineNs) throw new TimeoutException();
            long next = now + spacingNs;
            while (clock.NowNs() < next) Thread.Yield();
        }
    }

    /// <summary>
    /// Waits for the first byte of the response, marks <see cref="Phases.FirstByte"/>, then reads the
    /// status line and checks it is a 200. A connection closed before any byte also ends the wait
    /// (the status check then fails the trial).
    /// </summary>
    public static void AwaitResponse(Socket s, long deadlineNs, Func<ISandbox?> sandbox, PhaseClock phases, CancellationToken ct)
    {
        // A blocking receive that only peeks, in 50 ms slices to look at the clock, the sandbox and
        // cancellation in between: it wakes as directly as a plain read(2) does.
        var buffer = new byte[512];
        s.ReceiveTimeout = 50;
        while (true)
        {
            try
            {
                s.Receive(buffer, 0, 1, SocketFlags.Peek);
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                ct.ThrowIfCancellationRequested();
                if (sandbox() is { } sb && sb.HasExited(out string reason)) throw new TrialFailedException(reason + " before it answered");
                if (phases.Clock.NowNs() > deadlineNs) throw new TimeoutException();
            }
        }
        phases.Mark(Phases.FirstByte);
        int n = 0;
        s.ReceiveTimeout = 5000;
        while (n < 12)
        {
            int r = s.Receive(buffer, n, buffer.Length - n, SocketFlags.None);
            if (r == 0) break;
            n += r;
        }
        string head = Encoding.ASCII.GetString(buffer, 0, n);
        if (n == 0) throw new TrialFailedException("the connection closed without a response");
        if (!head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) && !head.StartsWith("HTTP/1.0 200", StringComparison.Ordinal))
            throw new TrialFailedException($"unexpected response: {head.Split('\r')[0]}");
    }
}

/// <summary>What connect-retry found.</summary>
/// <param name="Socket">The connection, request sent.</param>
/// <param name="ResolutionNs">Gap between the last refused attempt and the accepted one: the function began listening inside it (0 if the first attempt was accepted).</param>
/// <param name="MaxGapNs">Largest gap between two attempts (the host preempting the poller shows here).</param>
/// <param name="Attempts">Connect attempts made.</param>
public sealed record RetryResult(Socket Socket, long ResolutionNs, long MaxGapNs, int Attempts);

/// <summary>A trial failed for a reason worth recording as it is.</summary>
public sealed class TrialFailedException(string message) : Exception(message);
