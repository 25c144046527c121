using System.Net.Sockets;
using Sandbench.FakeVmm;

// A stand-in for the firecracker and cloud-hypervisor binaries, written from their API documents, for
// protocol tests on hosts without KVM. Personality from the arguments, as the real ones take them:
//   firecracker --api-sock PATH | cloud-hypervisor --api-socket path=PATH
// Test controls (passed through the runtime's 'flags' option):
//   --fake-mode ok|die|hang|silent   die: exit before the API is up; hang: accept, never answer;
//                                    silent: the guest prints its kernel line, then nothing
//   --fake-log FILE                  one line per API request: METHOD PATH BODY
string? fcSocket = null, chSocket = null, log = null, mode = "ok";
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--version":
            Console.WriteLine("Firecracker v1.7.0-fake");
            return 0;
        case "--api-sock" when i + 1 < args.Length: fcSocket = args[++i]; break;
        case "--api-socket" when i + 1 < args.Length: chSocket = args[++i].StartsWith("path=", StringComparison.Ordinal) ? args[i][5..] : args[i]; break;
        case "--fake-mode" when i + 1 < args.Length: mode = args[++i]; break;
        case "--fake-log" when i + 1 < args.Length: log = args[++i]; break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}
if ((fcSocket is null) == (chSocket is null))
{
    Console.Error.WriteLine("usage: --api-sock PATH (firecracker) or --api-socket path=PATH (cloud-hypervisor)");
    return 2;
}
Console.Out.Flush();
if (mode == "die")
{
    Console.Error.WriteLine("fake vmm: exiting before the API is ready");
    return 1;
}
// Firecracker has no ACPI: it exits when the guest resets (reboot); Cloud Hypervisor exits on an ACPI power-off.
var guest = new FakeGuest(silent: mode == "silent", exitsOn: fcSocket is not null ? "reboot" : "poweroff");
IApi api = fcSocket is not null ? new FirecrackerApi(guest) : new CloudHypervisorApi(guest);
var server = new ApiServer(fcSocket ?? chSocket!, api, log, hang: mode == "hang");
Console.WriteLine(fcSocket is not null
    ? "2024-01-01T00:00:00.000000000 [anonymous-instance:main] Running Firecracker v1.7.0-fake"
    : "cloud-hypervisor: 0.000000s: <vmm> INFO: fake VMM started");
await server.RunAsync();
guest.Dispose();
return 0;

internal interface IApi
{
    /// <summary>Status, body (null: none). Sets <paramref name="exit"/> when the VMM should exit after answering.</summary>
    (int Status, string? Body) Handle(string method, string path, string body, out bool exit);
}

/// <summary>The API socket: HTTP/1.1, keep-alive, one request at a time per connection.</summary>
internal sealed class ApiServer(string path, IApi api, string? log, bool hang)
{
    private readonly TaskCompletionSource _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();

    public async Task RunAsync()
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(16);
        var accepting = Task.Run(async () =>
        {
            while (true)
            {
                var s = await listener.AcceptAsync();
                _ = Task.Run(() => ServeAsync(s));
            }
        });
        await _exit.Task;
        File.Delete(path);
    }

    private async Task ServeAsync(Socket s)
    {
        using var stream = new NetworkStream(s, ownsSocket: true);
        var reader = new HttpRequestReader(stream);
        try
        {
            while (await reader.ReadAsync() is { } req)
            {
                if (log is not null)
                {
                    lock (_lock) File.AppendAllText(log, $"{req.Method} {req.Path} {req.Body}\n");
                }
                if (hang)
                {
                    await Task.Delay(Timeout.Infinite);
                }
                (int status, string? body) = api.Handle(req.Method, req.Path, req.Body, out bool exit);
                await HttpRequestReader.WriteResponseAsync(stream, status, body);
                if (exit) _exit.TrySetResult();
            }
        }
        catch (IOException)
        {
        }
    }
}
