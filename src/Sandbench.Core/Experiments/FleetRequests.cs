using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Experiments;

/// <summary>
/// The request side of a fleet: one thread for all its sandboxes. It blocks in poll(2) (Socket.Select)
/// on every connection whose request is sent and stamps <see cref="Phases.FirstByte"/> the moment poll returns it
/// readable, so no thread pool or async continuation sits between the byte and its timestamp. Sandboxes that
/// use connect-retry are tried in rounds between the polls; each is tried at most every retry spacing, and all
/// together at most <see cref="MaxAttemptsPerSecond"/> times a second, so that hundreds of waiting sandboxes do not
/// take a core from the very starts being measured (the resolution each got is stored with it).
/// </summary>
internal sealed class FleetRequests : IDisposable
{
    /// <summary>Connect attempts per second over all waiting sandboxes (a refused loopback connect costs ~10–30 µs).</summary>
    public const int MaxAttemptsPerSecond = 20_000;

    private const long MaxWaitNs = 50_000_000;

    /// <summary>From this many sandboxes waiting on host loopback, rounds read the socket table instead of connecting to each.</summary>
    public const int ScanThreshold = 8;

    private const long MinScanSpacingNs = 2_000_000;

    private readonly Func<HashSet<int>?> _listening;
    private long _nextScan;
    private const long ExitCheckNs = 250_000_000;

    private readonly MonotonicClock _clock;
    private readonly long _spacingNs;
    private readonly ConcurrentQueue<(FleetMember Member, Socket Socket)> _watch = new();
    private readonly ConcurrentQueue<FleetMember> _poll = new();
    private readonly Socket _wake;
    private readonly Thread _thread;
    private volatile bool _stopping;

    /// <param name="listening">Ports with a listening TCP socket in our network namespace now; null when unknown. Default: /proc/net/tcp and tcp6.</param>
    public FleetRequests(MonotonicClock clock, TimeSpan retrySpacing, Func<HashSet<int>?>? listening = null)
    {
        _clock = clock;
        _listening = listening ?? ListeningPortsNow;
        _spacingNs = (long)(retrySpacing.TotalMilliseconds * 1_000_000);
        // A datagram to ourselves wakes the poll when a connection is added, so none waits for the next round.
        _wake = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _wake.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _thread = new Thread(Loop) { IsBackground = true, Name = "fleet requests" };
        _thread.Start();
    }

    /// <summary>Waits for the first byte on <paramref name="socket"/>, whose request is already sent.</summary>
    public void Watch(FleetMember member, Socket socket)
    {
        _watch.Enqueue((member, socket));
        Wake();
    }

    /// <summary>Connects to the member's <see cref="FleetMember.Endpoint"/> until accepted, then sends the request and waits for the answer.</summary>
    public void Poll(FleetMember member)
    {
        _poll.Enqueue(member);
        Wake();
    }

    private void Wake()
    {
        try
        {
            _wake.SendTo([1], _wake.LocalEndPoint!);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopping: nothing waits any more.
        }
    }

    private sealed class Poller(FleetMember member)
    {
        public FleetMember Member { get; } = member;
        public long Next { get; set; }
        public long Last { get; set; }
    }

    private void Loop()
    {
        var awaiting = new Dictionary<Socket, FleetMember>();
        var polling = new List<Poller>();
        var read = new List<Socket>();
        var buffer = new byte[512];
        long lastExitCheck = 0;
        try
        {
            while (!_stopping)
            {
                while (_watch.TryDequeue(out var w)) awaiting[w.Socket] = w.Member;
                while (_poll.TryDequeue(out var m)) polling.Add(new Poller(m));
                foreach (var s in awaiting.Where(a => a.Value.Resolved).Select(a => a.Key).ToList())
                {
                    awaiting.Remove(s);
                    s.Dispose();
                }
                polling.RemoveAll(p => p.Member.Resolved);

                long now = _clock.NowNs();
                long next = Attempts(polling, awaiting, now);
                if (now - lastExitCheck > ExitCheckNs)
                {
                    lastExitCheck = now;
                    CheckExits(awaiting.Values.Concat(polling.Select(p => p.Member)));
                }

                read.Clear();
                read.Add(_wake);
                read.AddRange(awaiting.Keys);
                long waitNs = Math.Clamp(next - _clock.NowNs(), 0, MaxWaitNs);
                Socket.Select(read, null, null, (int)(waitNs / 1000));
                long t = _clock.NowNs();
                foreach (var s in read)
                {
                    if (s == _wake)
                    {
                        while (_wake.Available > 0) _wake.Receive(buffer);
                        continue;
                    }
                    var member = awaiting[s];
                    awaiting.Remove(s);
                    Respond(member, s, t, buffer);
                    s.Dispose();
                }
            }
        }
        catch (ObjectDisposedException) when (_stopping)
        {
        }
        finally
        {
            foreach (var s in awaiting.Keys) s.Dispose();
        }
    }

    /// <summary>One round of connect attempts for the sandboxes due; returns when the next is due.</summary>
    private long Attempts(List<Poller> polling, Dictionary<Socket, FleetMember> awaiting, long now)
    {
        long spacing = Math.Max(_spacingNs, polling.Count * (1_000_000_000L / MaxAttemptsPerSecond));
        long next = now + MaxWaitNs;
        // Many waiting on host loopback: one read of the kernel's socket table says which of their ports listen, so a round
        // costs one read, not a refused connect (and a thrown exception) per sandbox: on a host whose CPUs hundreds of
        // starting sandboxes share, the poller gets a small share, and per-sandbox rounds became seconds long (runsc, N = 500).
        var scanned = polling.Count >= ScanThreshold ? polling.Where(p => p.Member.Endpoint is IPEndPoint e && IPAddress.IsLoopback(e.Address)).ToList() : [];
        if (scanned.Count >= ScanThreshold)
        {
            long scanSpacing = Math.Max(_spacingNs, MinScanSpacingNs);
            if (now >= _nextScan && _listening() is { } ports)
            {
                _nextScan = now + scanSpacing;
                long t = _clock.NowNs();
                foreach (var p in scanned)
                {
                    var target = (IPEndPoint)p.Member.Endpoint!;
                    if (ports.Contains(target.Port) && TryConnect(p, target) is { } s)
                    {
                        polling.Remove(p);
                        awaiting[s] = p.Member;
                        continue;
                    }
                    p.Member.MaxGapNs = Math.Max(p.Member.MaxGapNs, p.Last == 0 ? 0 : t - p.Last);
                    p.Last = t;
                }
            }
            next = Math.Min(next, _nextScan);
            return next;
        }
        for (int i = polling.Count - 1; i >= 0; i--)
        {
            var p = polling[i];
            if (p.Next > now)
            {
                next = Math.Min(next, p.Next);
                continue;
            }
            if (p.Member.Endpoint is { } target && TryConnect(p, target) is { } s)
            {
                polling.RemoveAt(i);
                awaiting[s] = p.Member;
                continue;
            }
            p.Next = _clock.NowNs() + spacing;
            next = Math.Min(next, p.Next);
        }
        return next;
    }

    private Socket? TryConnect(Poller p, EndPoint target)
    {
        long t = _clock.NowNs();
        long gap = p.Last == 0 ? 0 : t - p.Last;
        p.Last = t;
        var m = p.Member;
        m.MaxGapNs = Math.Max(m.MaxGapNs, gap);
        var s = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            s.Connect(target);
            m.Phases.Mark(Phases.Listening);
            s.Send(FirstRequest.Request);
            m.Phases.Mark(Phases.RequestSent);
            m.ResolutionNs = gap;
            return s;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            s.Dispose();
            return null;
        }
        catch (SocketException e)
        {
            s.Dispose();
            m.Fail(TrialStatus.Failed, $"connect to {target}: {e.Message}");
            return null;
        }
    }

    private static HashSet<int>? ListeningPortsNow()
    {
        try
        {
            var ports = ListeningPorts(File.ReadAllText("/proc/net/tcp"));
            if (File.Exists("/proc/net/tcp6")) ports.UnionWith(ListeningPorts(File.ReadAllText("/proc/net/tcp6")));
            return ports;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Local ports of the sockets in state LISTEN (0A) of a /proc/net/tcp table ("sl local_address rem_address st ...", address HEX:PORT).</summary>
    public static HashSet<int> ListeningPorts(string table)
    {
        var ports = new HashSet<int>();
        foreach (var line in table.Split('\n').Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 4 || f[3] != "0A") continue;
            int colon = f[1].LastIndexOf(':');
            if (colon > 0 && int.TryParse(f[1][(colon + 1)..], System.Globalization.NumberStyles.AllowHexSpecifier,
                    System.Globalization.CultureInfo.InvariantCulture, out int port))
                ports.Add(port);
        }
        return ports;
    }

    /// <summary>A sandbox whose process ended before it answered has failed: no need to wait for the deadline.</summary>
    private static void CheckExits(IEnumerable<FleetMember> members)
    {
        foreach (var m in members.ToList())
            if (m.Sandbox is { } sb && sb.HasExited(out string reason)) m.Fail(TrialStatus.Failed, reason + " before it answered");
    }

    /// <summary>The connection became readable at <paramref name="t"/>: the first byte, or its end. Reads and checks the status line.</summary>
    private static void Respond(FleetMember member, Socket s, long t, byte[] buffer)
    {
        if (member.Resolved) return;
        member.Phases.MarkAt(Phases.FirstByte, t);
        try
        {
            int n = s.Receive(buffer, 0, buffer.Length, SocketFlags.None);
            s.ReceiveTimeout = 500;
            while (n is > 0 and < 12)
            {
                int r = s.Receive(buffer, n, buffer.Length - n, SocketFlags.None);
                if (r == 0) break;
                n += r;
            }
            string head = Encoding.ASCII.GetString(buffer, 0, n);
            if (n == 0) member.Fail(TrialStatus.Failed, "the connection closed without a response");
            else if (head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) || head.StartsWith("HTTP/1.0 200", StringComparison.Ordinal)) member.Answer();
            else member.Fail(TrialStatus.Failed, $"unexpected response: {head.Split('\r')[0]}");
        }
        catch (SocketException e)
        {
            member.Fail(TrialStatus.Failed, $"the connection failed before a response: {e.Message}");
        }
    }

    public void Dispose()
    {
        _stopping = true;
        Wake();
        _thread.Join();
        _wake.Dispose();
    }
}
