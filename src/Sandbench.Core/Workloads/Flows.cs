using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Sandbench.Core.Workloads;

/// <summary>
/// One request of a flow's round: to <paramref name="Function"/> through the gateway
/// (<c>/FUNCTION/PATH</c>), with a JSON body made from the previous request's JSON answer (null for a GET).
/// </summary>
public sealed record FlowRequest(string Function, HttpMethod Method, string Path, Func<JsonNode?, JsonNode?> Body);

/// <summary>
/// An application flow of hello-retail (seed 001): its functions, all served by the <c>retail</c> program
/// (one sandbox each, the function named by <c>SANDBENCH_FUNCTION</c>), and the requests of one round.
/// </summary>
/// <param name="Workload">The workload name that selects the flow (<c>retail-catalog</c> ...).</param>
/// <param name="Functions">Every function of the flow, in call order; the chained ones are called by the others, not by the client.</param>
/// <param name="Round">The requests of round N (N from 0), in order.</param>
public sealed record Flow(string Workload, string Title, IReadOnlyList<string> Functions, Func<int, IReadOnlyList<FlowRequest>> Round);

/// <summary>
/// The three application flows and the data MariaDB is seeded with for them: product catalog (a
/// product is written, then categories, a category's products and the product are read), product
/// photos (a photographer is assigned, then the photo is fetched from the image server, resized and
/// recorded) and product purchase (one request whose function calls four more through the gateway).
/// </summary>
public static class Flows
{
    public const string Database = "helloRetail";
    public const int Categories = 8;
    public const int ProductsPerCategory = 25;
    public const int Photographers = 4;
    public const int Users = 10;

    /// <summary>A card number that passes the Luhn check.</summary>
    public const string Card = "4111111111111111";

    public static IReadOnlyList<Flow> All { get; } =
    [
        new("retail-catalog", "product catalog", ["catalog-builder", "catalog-api"], CatalogRound),
        new("retail-photos", "product photos", ["photos-assign", "photos-receive"], PhotosRound),
        new("retail-purchase", "product purchase",
            ["purchase", "purchase-authenticate", "purchase-get-price", "purchase-authorize-cc", "purchase-publish"], PurchaseRound),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(f => f.Workload)];

    public static bool IsFlow(string workload) => All.Any(f => f.Workload == workload);

    public static Flow Get(string workload) => All.FirstOrDefault(f => f.Workload == workload)
        ?? throw new SandbenchException($"'{workload}' is not an application flow (valid: {string.Join(", ", Names)})");

    public static string Category(int n) => $"category-{n % Categories:D2}";

    public static string Product(int n) => $"product-{n % (Categories * ProductsPerCategory):D4}";

    private static IReadOnlyList<FlowRequest> CatalogRound(int round)
    {
        string id = $"flow-product-{round:D5}", category = Category(round);
        return
        [
            new("catalog-builder", HttpMethod.Post, "/", _ => new JsonObject
            {
                ["productId"] = id, ["category"] = category, ["name"] = $"Product {round}", ["brand"] = "Sandbench",
                ["description"] = $"written by round {round} of the product catalog flow", ["price"] = Price(round).ToString(CultureInfo.InvariantCulture),
            }),
            new("catalog-api", HttpMethod.Get, "/categories", _ => null),
            new("catalog-api", HttpMethod.Get, "/products?category=" + category, _ => null),
            new("catalog-api", HttpMethod.Get, "/product?id=" + id, _ => null),
        ];
    }

    private static IReadOnlyList<FlowRequest> PhotosRound(int round)
    {
        string product = Product(round);
        return
        [
            new("photos-assign", HttpMethod.Post, "/", _ => new JsonObject { ["productId"] = product }),
            new("photos-receive", HttpMethod.Post, "/", assigned => new JsonObject
            {
                ["productId"] = product,
                ["photographer"] = assigned?["photographer"]?.GetValue<string>() ?? throw new InvalidOperationException("photos-assign named no photographer"),
            }),
        ];
    }

    private static IReadOnlyList<FlowRequest> PurchaseRound(int round) =>
    [
        new("purchase", HttpMethod.Post, "/", _ => new JsonObject
        {
            ["productId"] = Product(round * 7), ["userId"] = User(round), ["token"] = Token(round), ["card"] = Card,
        }),
    ];

    private static string User(int n) => $"user-{n % Users:D2}";

    private static string Token(int n) => $"token-{n % Users:D2}";

    private static decimal Price(int n) => 5m + (n * 37 % 9500) / 4m;

    /// <summary>
    /// The SQL MariaDB runs at its start (<c>--init-file</c>): the database, a user that may connect from
    /// 127.0.0.1 only with <paramref name="password"/>, the hello-retail tables and their seed rows.
    /// </summary>
    public static string SeedSql(string user, string password)
    {
        if (!user.All(char.IsAsciiLetterOrDigit) || !password.All(char.IsAsciiLetterOrDigit))
            throw new ArgumentException("the database user and password are letters and digits only");
        var sql = new StringBuilder();
        void Line(string s) => sql.Append(s).Append('\n');
        Line($"CREATE DATABASE {Database};");
        Line($"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}';");
        Line($"GRANT ALL PRIVILEGES ON {Database}.* TO '{user}'@'127.0.0.1';");
        Line($"USE {Database};");
        Line("CREATE TABLE categoryTable (category VARCHAR(64) PRIMARY KEY, updatedAt BIGINT NOT NULL);");
        Line("CREATE TABLE productCatalog (productId VARCHAR(64) PRIMARY KEY, category VARCHAR(64) NOT NULL, name VARCHAR(128) NOT NULL, " +
             "brand VARCHAR(64) NOT NULL, description TEXT NOT NULL, price DECIMAL(10,2) NOT NULL, updatedAt BIGINT NOT NULL, INDEX (category));");
        Line("CREATE TABLE photographerTable (id VARCHAR(64) PRIMARY KEY, name VARCHAR(128) NOT NULL, assignments INT NOT NULL DEFAULT 0);");
        Line("CREATE TABLE photoAssignments (id INT AUTO_INCREMENT PRIMARY KEY, productId VARCHAR(64) NOT NULL, photographer VARCHAR(64) NOT NULL, assignedAt BIGINT NOT NULL);");
        Line("CREATE TABLE storedPhotosTable (id INT AUTO_INCREMENT PRIMARY KEY, productId VARCHAR(64) NOT NULL, photographer VARCHAR(64) NOT NULL, " +
             "width INT NOT NULL, height INT NOT NULL, bytes INT NOT NULL, sha256 CHAR(64) NOT NULL, label INTEGER NOT NULL, storedAt BIGINT NOT NULL);");
        Line("CREATE TABLE userTable (userId VARCHAR(64) PRIMARY KEY, tokenHash CHAR(64) NOT NULL);");
        Line("CREATE TABLE purchaseTable (id INT AUTO_INCREMENT PRIMARY KEY, productId VARCHAR(64) NOT NULL, userId VARCHAR(64) NOT NULL, " +
             "price DECIMAL(10,2) NOT NULL, authorization VARCHAR(64) NOT NULL, createdAt BIGINT NOT NULL);");
        Line("INSERT INTO categoryTable VALUES " + string.Join(",", Enumerable.Range(0, Categories).Select(c => $"('{Category(c)}',0)")) + ";");
        Line("INSERT INTO productCatalog VALUES " + string.Join(",", Enumerable.Range(0, Categories * ProductsPerCategory).Select(p =>
            $"('{Product(p)}','{Category(p)}','Product {p}','Brand {p % 13}','A seeded product of hello-retail',{Price(p).ToString(CultureInfo.InvariantCulture)},0)")) + ";");
        Line("INSERT INTO photographerTable (id, name) VALUES " + string.Join(",", Enumerable.Range(0, Photographers).Select(p => $"('photographer-{p}','Photographer {p}')")) + ";");
        Line("INSERT INTO userTable VALUES " + string.Join(",", Enumerable.Range(0, Users).Select(u =>
            $"('{User(u)}','{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Token(u))))}')")) + ";");
        return sql.ToString();
    }
}
