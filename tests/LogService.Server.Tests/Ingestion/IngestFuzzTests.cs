using LogService.Core.Entries;
using LogService.Server.Ingestion;
using LogService.Server.Tests.Ingestion.Support;

namespace LogService.Server.Tests.Ingestion;

public class IngestFuzzTests
{
    public static TheoryData<string, string> Seeds => new()
    {
        { "clef", "clef-seq-sample.clef" },
        { "serilog-http", "serilog-http-normal.json" },
        { "serilog-http", "serilog-http-compact-events.json" },
        { "otlp", "otlp-logs.json" },
    };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MutatedPayloadsNeverThrowAndAcceptedOnesEncode(string formatName, string sample)
    {
        var limits = new IngestLimits { MaxPropertyDepth = 6 };
        var format = formatName switch
        {
            "clef" => IngestFormats.Clef(limits, FixedClock.SampleDay),
            "serilog-http" => IngestFormats.SerilogHttp(limits, FixedClock.SampleDay),
            _ => IngestFormats.OtlpJson(limits, FixedClock.SampleDay),
        };
        var seed = Samples.Read(sample);
        var random = new Random(sample.Length);
        var (accepted, rejected) = (0, 0);
        for (var round = 0; round < 3000; round++)
        {
            var result = format.Parse(Mutate(seed, random));
            if (result.IsSuccess)
            {
                accepted++;
                foreach (var entry in result.Entries)
                {
                    Assert.Equal(entry, EntryCodec.DecodeDraft(EntryCodec.EncodeDraft(entry)));
                }
            }
            else
            {
                rejected++;
                Assert.False(string.IsNullOrEmpty(result.Error!.Reason));
            }
        }

        Assert.True(accepted > 0 && rejected > 0, $"accepted {accepted}, rejected {rejected}");
    }

    [Fact]
    public void NativeFormatSurvivesRandomBytesAndTokens()
    {
        var format = IngestFormats.Native(new IngestLimits(), FixedClock.SampleDay);
        var random = new Random(7);
        string[] tokens = ["{", "}", "[", "]", ",", ":", "\"entries\"", "\"timestamp\"", "1795269600000000", "\"level\"", "\"x\"", "null", "true", "-1e999", "\"\\ud800\"", "\"properties\""];
        for (var round = 0; round < 3000; round++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 30)).Select(_ => tokens[random.Next(tokens.Length)]));
            var result = format.Parse(Samples.Utf8(text));
            Assert.True(result.IsSuccess || result.Error is not null);

            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            Assert.False(format.Parse(bytes).IsSuccess);
        }
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = seed.ToList();
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            var at = random.Next(bytes.Count + 1);
            switch (random.Next(5))
            {
                case 0 when at < bytes.Count: bytes[at] = (byte)random.Next(256); break;
                case 1 when at < bytes.Count: bytes[at] = (byte)"{}[]\",:0\\@"[random.Next(10)]; break;
                case 2: bytes.Insert(at, (byte)"{}[]\",:9e-\n"[random.Next(11)]); break;
                case 3 when at < bytes.Count: bytes.RemoveRange(at, Math.Min(random.Next(1, 16), bytes.Count - at)); break;
                default: bytes.InsertRange(at, bytes.Skip(random.Next(bytes.Count)).Take(random.Next(1, 40)).ToList()); break;
            }
        }

        return [.. bytes];
    }
}
