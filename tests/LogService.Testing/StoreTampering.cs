using Microsoft.Data.Sqlite;

namespace LogService.Testing;

/// <summary>What an attacker with write access to a replica's SQLite store does to a sealed entry, for tamper tests.</summary>
public static class StoreTampering
{
    /// <summary>Flips one bit inside the encrypted body of entry <paramref name="sequence"/> of <paramref name="stream"/>.</summary>
    public static void FlipABitOfTheBody(string databasePath, string stream, long sequence)
    {
        using var db = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        db.Open();
        const string Where = "WHERE stream_id = (SELECT id FROM names WHERE name = @stream) AND seq = @seq";
        using var read = db.CreateCommand();
        read.CommandText = $"SELECT sealed FROM entries {Where}";
        read.Parameters.AddWithValue("@stream", stream);
        read.Parameters.AddWithValue("@seq", sequence);
        var blob = (byte[]?)read.ExecuteScalar() ?? throw new InvalidOperationException($"{stream} has no entry {sequence}");
        blob[^90] ^= 0x01; // inside the encrypted body, before the tag
        using var write = db.CreateCommand();
        write.CommandText = $"UPDATE entries SET sealed = @blob {Where}";
        write.Parameters.AddWithValue("@blob", blob);
        write.Parameters.AddWithValue("@stream", stream);
        write.Parameters.AddWithValue("@seq", sequence);
        if (write.ExecuteNonQuery() != 1)
        {
            throw new InvalidOperationException($"{stream} entry {sequence} was not rewritten");
        }
    }
}
