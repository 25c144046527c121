using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Sandbench.Community;

/// <summary>
/// Sends GraphQL queries to GitHub with the token as a bearer credential; waits out rate limits and says so;
/// turns every failure into a <see cref="GitHubException"/> whose one-line message never holds the token.
/// </summary>
/// <remarks>
/// Rate limits (GitHub's "Rate limits and query limits for the GraphQL API"): each query asks for
/// <c>rateLimit { cost remaining resetAt }</c>, and when fewer points remain than the last query cost, the next
/// one waits until <c>resetAt</c>. A 403 or 429 with <c>Retry-After</c> waits that long (secondary limit); with
/// <c>x-ratelimit-remaining: 0</c> until <c>x-ratelimit-reset</c>; a secondary limit without either waits a
/// minute, doubling. A 200 carrying a <c>RATE_LIMITED</c> error waits until <c>x-ratelimit-reset</c>.
/// All waits and "now" come from the injected <see cref="TimeProvider"/>.
/// </remarks>
public sealed class GitHubGraphQl(HttpClient http, Uri endpoint, string token, TimeProvider time, Action<string> notice)
{
    private Budget? _budget;

    /// <summary>Rate-limit waits allowed for one query before giving up.</summary>
    public int MaxWaits { get; init; } = 5;

    /// <summary>Retries of one query after a server error (5xx), waiting 1, 2, 4 ... s.</summary>
    public int MaxServerRetries { get; init; } = 3;

    /// <summary>Longest wait for a secondary rate limit that names no time (GitHub asks for at least a minute).</summary>
    private static readonly TimeSpan SecondaryWait = TimeSpan.FromMinutes(1);

    /// <summary>Runs one query; returns its <c>data</c> object.</summary>
    public async Task<JsonElement> QueryAsync(string operation, string query, IReadOnlyDictionary<string, object?> variables, CancellationToken ct)
    {
        int waits = 0, retries = 0;
        while (true)
        {
            if (_budget is { } b && b.Remaining < Math.Max(1, b.Cost))
            {
                _budget = null;
                await WaitAsync(b.ResetAt - time.GetUtcNow(),
                    Inv($"GitHub rate limit: {b.Remaining} points left (a query costs {b.Cost}) until it resets at {b.ResetAt:HH:mm:ss} UTC"), ct).ConfigureAwait(false);
            }

            var outcome = await SendAsync(operation, query, variables, ct).ConfigureAwait(false);
            if (outcome.Data is { } data) return data;
            var retry = outcome.Retry!;
            if (retry.RateLimit ? ++waits > MaxWaits : ++retries > MaxServerRetries)
            {
                throw new GitHubException(retry.RateLimit ? GitHubFailure.RateLimited : GitHubFailure.Unavailable,
                    Inv($"{retry.Reason}; gave up after {(retry.RateLimit ? MaxWaits : MaxServerRetries)} {(retry.RateLimit ? "waits" : "retries")}"));
            }
            var delay = retry.RateLimit && retry.Delay is null ? SecondaryWait * (1 << (waits - 1))
                : retry.Delay ?? TimeSpan.FromSeconds(1 << (retries - 1));
            await WaitAsync(delay, retry.Reason, ct).ConfigureAwait(false);
        }
    }

    private async Task<Outcome> SendAsync(string operation, string query, IReadOnlyDictionary<string, object?> variables, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(JsonSerializer.Serialize(new { query, operationName = operation, variables }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("bearer", token);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("sandbench", "1"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        HttpResponseMessage response;
        string body;
        try
        {
            response = await http.SendAsync(request, ct).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new GitHubException(GitHubFailure.Unavailable, $"cannot reach {endpoint}: {Clean(e.Message)}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new GitHubException(GitHubFailure.Unavailable, Inv($"no answer from {endpoint} within {http.Timeout.TotalSeconds:0} s"));
        }

        using (response)
        {
            int status = (int)response.StatusCode;
            string message = Message(body);
            if (status == 401)
                throw new GitHubException(GitHubFailure.Unauthorized, $"GitHub refused the token (HTTP 401: {message}): check {GitHubEndpoint.TokenVariable}");
            if (status is 403 or 429)
            {
                if (response.Headers.RetryAfter is { } after)
                {
                    var delay = after.Delta ?? (after.Date is { } date ? date - time.GetUtcNow() : TimeSpan.Zero);
                    return Outcome.Wait(delay, Inv($"GitHub secondary rate limit (HTTP {status}, Retry-After {delay.TotalSeconds:0} s)"));
                }
                if (Header(response, "x-ratelimit-remaining") == "0" && ResetAt(response) is { } reset)
                    return Outcome.Wait(reset - time.GetUtcNow(), Inv($"GitHub rate limit exhausted (HTTP {status}) until {reset:HH:mm:ss} UTC"));
                if (message.Contains("rate limit", StringComparison.OrdinalIgnoreCase))
                    return Outcome.Wait(null, $"GitHub secondary rate limit (HTTP {status}, no Retry-After: {message})");
                throw new GitHubException(GitHubFailure.Unauthorized, $"GitHub refused the request (HTTP {status}: {message}): the token lacks access");
            }
            if (status >= 500)
                return Outcome.ServerError($"GitHub answered HTTP {status} ({message})");
            if (status is < 200 or >= 300)
                throw new GitHubException(GitHubFailure.Protocol, $"GitHub answered HTTP {status}: {message}");

            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(body);
                root = doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new GitHubException(GitHubFailure.Protocol, $"{endpoint} did not answer with JSON (HTTP {status}: {message})");
            }
            if (root.ValueKind != JsonValueKind.Object)
                throw new GitHubException(GitHubFailure.Protocol, $"{endpoint} did not answer with a GraphQL response object");

            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var list = errors.EnumerateArray().ToList();
                if (list.Any(e => Type(e) == "RATE_LIMITED"))
                {
                    var reset = ResetAt(response);
                    return Outcome.Wait(reset is { } r ? r - time.GetUtcNow() : null,
                        reset is { } at ? Inv($"GitHub rate limit exhausted (RATE_LIMITED) until {at:HH:mm:ss} UTC") : "GitHub rate limit exhausted (RATE_LIMITED)");
                }
                string messages = string.Join("; ", list.Select(e => e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                    ? Clean(m.GetString()!) : "(no message)"));
                if (list.Any(e => Type(e) == "NOT_FOUND"))
                    throw new GitHubException(GitHubFailure.NotFound, messages);
                if (list.Any(e => Type(e) is "FORBIDDEN" or "INSUFFICIENT_SCOPES"))
                    throw new GitHubException(GitHubFailure.Unauthorized, $"GitHub refused the query: {messages}");
                throw new GitHubException(GitHubFailure.Protocol, $"GraphQL error: {messages}");
            }
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
                throw new GitHubException(GitHubFailure.Protocol, $"{endpoint} answered without a 'data' object");
            if (data.TryGetProperty("rateLimit", out var limit) && limit.ValueKind == JsonValueKind.Object)
            {
                _budget = new Budget(limit.GetProperty("remaining").GetInt32(), limit.GetProperty("cost").GetInt32(),
                    DateTimeOffset.Parse(limit.GetProperty("resetAt").GetString()!, CultureInfo.InvariantCulture));
            }
            return Outcome.Of(data);
        }
    }

    private async Task WaitAsync(TimeSpan delay, string reason, CancellationToken ct)
    {
        if (delay < TimeSpan.Zero) delay = TimeSpan.Zero;
        // The timer exists before the notice is given, so whoever reacts to the notice (a test advancing a fake clock) cannot miss it.
        var wait = Task.Delay(delay, time, ct);
        notice(Inv($"{reason}: waiting {Math.Ceiling(delay.TotalSeconds):0} s, until {time.GetUtcNow() + delay:HH:mm:ss} UTC"));
        await wait.ConfigureAwait(false);
    }

    private static string? Type(JsonElement error) =>
        error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static DateTimeOffset? ResetAt(HttpResponseMessage response) =>
        long.TryParse(Header(response, "x-ratelimit-reset"), NumberStyles.None, CultureInfo.InvariantCulture, out long epoch)
            ? DateTimeOffset.FromUnixTimeSeconds(epoch) : null;

    /// <summary>The <c>message</c> of a JSON error body, else the body's start; one line, without the token.</summary>
    private string Message(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                return Clean(m.GetString()!);
        }
        catch (JsonException)
        {
            // not JSON: quote its start below
        }
        return body.Length == 0 ? "empty body" : Clean(body.Length > 200 ? body[..200] + "…" : body);
    }

    /// <summary>One line, with the token (should a server or an exception echo it) replaced.</summary>
    private string Clean(string text)
    {
        string line = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return token.Length == 0 ? line : line.Replace(token, "[GITHUB_TOKEN]", StringComparison.Ordinal);
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed record Budget(int Remaining, int Cost, DateTimeOffset ResetAt);

    private sealed record RetryAfter(TimeSpan? Delay, string Reason, bool RateLimit);

    private sealed record Outcome(JsonElement? Data, RetryAfter? Retry)
    {
        public static Outcome Of(JsonElement data) => new(data, null);

        public static Outcome Wait(TimeSpan? delay, string reason) => new(null, new RetryAfter(delay, reason, true));

        public static Outcome ServerError(string reason) => new(null, new RetryAfter(null, reason, false));
    }
}
