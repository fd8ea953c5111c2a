namespace LogService.Storage.Tests.Support;

/// <summary>One temporary PostgreSQL server shared by every PostgreSQL test class, stopped after the last one.</summary>
public sealed class PostgresServerFixture : IDisposable
{
    private readonly TemporaryPostgresServer _server = TemporaryPostgresServer.Start();

    /// <summary>Creates a fresh database and returns its connection string.</summary>
    public string CreateDatabase(string name) => _server.CreateDatabase(name);

    public void Dispose() => _server.Dispose();
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "postgres";
}
