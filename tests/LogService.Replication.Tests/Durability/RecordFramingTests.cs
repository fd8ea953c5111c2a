using System.Buffers.Binary;
using System.Text;
using LogService.Replication.Durability;

namespace LogService.Replication.Tests.Durability;

public sealed class RecordFramingTests
{
    [Fact]
    public void Crc32CMatchesTheStandardCheckValueAndABitwiseReferenceAtEveryLength()
    {
        Assert.Equal(0xE3069283u, RecordFraming.Crc32C(Encoding.ASCII.GetBytes("123456789")));
        var data = new byte[40];
        new Random(5).NextBytes(data);
        for (var n = 0; n <= data.Length; n++)
        {
            Assert.Equal(BitwiseCrc32C(data.AsSpan(0, n)), RecordFraming.Crc32C(data.AsSpan(0, n)));
        }
    }

    [Fact]
    public void RecordsInTheFirstFormatAreStillReadBeforeAndBetweenCurrentOnes()
    {
        byte[][] records = [[1, 2, 3], [], [.. Enumerable.Range(0, 300).Select(i => (byte)i)], [9]];
        var file = new List<byte>();
        file.AddRange(FirstFormat(records[0]));
        file.AddRange(Current(records[1]));
        file.AddRange(FirstFormat(records[2]));
        file.AddRange(Current(records[3]));

        var parsed = RecordFraming.Parse(file.ToArray());

        Assert.Equal(records, parsed);
    }

    [Fact]
    public void ACorruptOrTornRecordEndsTheLogInEitherFormat()
    {
        var good = Current([1, 2, 3]);
        var corrupt = Current([4, 5, 6]);
        corrupt[^1] ^= 1;
        var corruptOld = FirstFormat([7, 8]);
        corruptOld[^1] ^= 1;

        Assert.Single(RecordFraming.Parse([.. good, .. corrupt, .. good]));
        Assert.Single(RecordFraming.Parse([.. good, .. corruptOld, .. good]));
        Assert.Single(RecordFraming.Parse([.. good, .. good[..^1]]));
    }

    [Fact]
    public void AWriteAheadLogFromTheFirstFormatOpensAndAcceptsNewRecords()
    {
        var directory = Path.Combine(Path.GetTempPath(), "logsvc-wal-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            File.WriteAllBytes(Path.Combine(directory, "consensus.wal"), [.. FirstFormat([1]), .. FirstFormat([2, 2])]);
            using (var store = new FileWalStore(directory, syncToDisk: false))
            {
                Assert.Equal([[1], [2, 2]], store.ReadAll());
                store.Append([3, 3, 3]);
                store.Flush();
            }

            using var reopened = new FileWalStore(directory, syncToDisk: false);
            Assert.Equal([[1], [2, 2], [3, 3, 3]], reopened.ReadAll());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static byte[] Current(byte[] record)
    {
        var header = new byte[RecordFraming.HeaderSize];
        RecordFraming.WriteHeader(header, record);
        return [.. header, .. record];
    }

    /// <summary>The framing before versions: [length i32][FNV-1a 32][bytes].</summary>
    private static byte[] FirstFormat(byte[] record)
    {
        var header = new byte[RecordFraming.HeaderSize];
        BinaryPrimitives.WriteInt32LittleEndian(header, record.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), RecordFraming.Fnv1a(record));
        return [.. header, .. record];
    }

    private static uint BitwiseCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
