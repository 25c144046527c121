using System.Buffers.Binary;
using System.IO.Compression;
using HdrHistogram;
using HdrHistogram.Utilities;
using Sandbench.Load;

namespace Sandbench.Load.Tests;

/// <summary>HdrHistogram's standard compressed encoding, as every HdrHistogram library reads and writes it.</summary>
public sealed class HistogramCodecTests
{
    private static LongHistogram Sample()
    {
        var h = new LongHistogram(1, 3_600_000_000, 3);
        for (long v = 1; v <= 20_000; v += 7) h.RecordValue(v);
        h.RecordValueWithCount(250, 1_000);
        h.RecordValue(3_600_000_000);
        return h;
    }

    [Fact]
    public void Encode_ThenDecode_SameValuesAndCounts()
    {
        var h = Sample();

        var back = HistogramCodec.Decode(HistogramCodec.Encode(h));

        Assert.Equal(h.TotalCount, back.TotalCount);
        Assert.Equal(h.GetMaxValue(), back.GetMaxValue());
        Assert.Equal(h.RecordedValues().Select(v => (v.ValueIteratedTo, v.CountAtValueIteratedTo)),
            back.RecordedValues().Select(v => (v.ValueIteratedTo, v.CountAtValueIteratedTo)));
        foreach (double p in new[] { 50, 90, 99, 99.9, 100 })
            Assert.Equal(h.GetValueAtPercentile(p), back.GetValueAtPercentile(p));
    }

    [Fact]
    public void Encode_EmptyHistogram_DecodesEmpty() =>
        Assert.Equal(0, HistogramCodec.Decode(HistogramCodec.Encode(new LongHistogram(1, 3_600_000_000, 3))).TotalCount);

    [Fact]
    public void Encode_Layout_CookieLengthAndAZlibStreamWithItsChecksum()
    {
        byte[] bytes = HistogramCodec.Encode(Sample());

        Assert.Equal(0x1c849314, BinaryPrimitives.ReadInt32BigEndian(bytes));
        Assert.Equal(bytes.Length - 8, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4)));
        // .NET's ZLibStream checks the RFC 1950 header and the Adler-32 trailer, as Go's and Python's zlib do.
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(new MemoryStream(bytes, 8, bytes.Length - 8), CompressionMode.Decompress)) z.CopyTo(inflated);
        Assert.Equal(0x1c849313, BinaryPrimitives.ReadInt32BigEndian(inflated.ToArray())); // the uncompressed V2 cookie
    }

    [Fact]
    public void Encode_TheLibrarysOwnDecoderReadsIt()
    {
        var h = Sample();

        var back = HistogramEncoding.DecodeFromCompressedByteBuffer(ByteBuffer.Allocate(HistogramCodec.Encode(h)), 0);

        Assert.Equal(h.TotalCount, back.TotalCount);
        Assert.Equal(h.GetValueAtPercentile(99), back.GetValueAtPercentile(99));
    }

    [Fact]
    public void Decode_EncodedByAnotherImplementation_ReadsIt()
    {
        // hdr-histogram-js 3.0.1 (encodeIntoCompressedBase64) of 1, 2, 3, 100, 1000, 1000, 123456, 3600000000
        // in a histogram of 1..3600000000 with 3 significant digits.
        var bytes = Convert.FromBase64String("HISTFAAAADR4nJNpmSzMwMAgyMDAwMjAwMDMAAEgNsO1yUsY4HwmJqb9jEytfCz785guv2FkAgCipge7");

        var h = HistogramCodec.Decode(bytes);

        Assert.Equal(8, h.TotalCount);
        Assert.Equal(100, h.GetValueAtPercentile(50));
        Assert.Equal(2, h.GetCountAtValue(1000));
        Assert.Equal(h.HighestEquivalentValue(3_600_000_000), h.GetMaxValue());
    }

    [Fact]
    public void Decode_DamagedChecksum_SaysSo()
    {
        byte[] bytes = HistogramCodec.Encode(Sample());
        bytes[^1] ^= 0xff;

        var e = Assert.Throws<InvalidDataException>(() => HistogramCodec.Decode(bytes));
        Assert.StartsWith("the histogram's zlib stream is damaged", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 })]
    public void Decode_NotAHistogram_SaysWhatIsExpected(byte[] bytes)
    {
        var e = Assert.Throws<InvalidDataException>(() => HistogramCodec.Decode(bytes));
        Assert.Contains("0x1c849314", e.Message, StringComparison.Ordinal);
    }
}
