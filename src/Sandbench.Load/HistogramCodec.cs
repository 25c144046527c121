using System.Buffers.Binary;
using System.IO.Compression;
using HdrHistogram;
using HdrHistogram.Encoding;
using HdrHistogram.Utilities;

namespace Sandbench.Load;

/// <summary>
/// HdrHistogram's standard compressed encoding (V2), the form its log files carry in base64 and every
/// implementation (Java, C, Go, Rust, Python, JavaScript, .NET) decodes: a big-endian int cookie
/// <c>0x1c849314</c>, a big-endian int length, then a zlib stream (RFC 1950: header, deflate, Adler-32)
/// of the uncompressed V2 encoding (40-byte header, counts as ZigZag LEB128 with runs of zeros).
/// </summary>
public static class HistogramCodec
{
    /// <summary>V2 compressed cookie with the word-size byte's TLZE bit, as Java's <c>getCompressedEncodingCookie</c>.</summary>
    public const int CompressedCookie = 0x1c849304 | 0x10;

    /// <summary>
    /// Encodes <paramref name="histogram"/>. The library's own compressed writer leaves out the zlib stream's
    /// Adler-32 trailer, which decoders that check it (Go's, Python's) refuse, so the zlib part is written here.
    /// </summary>
    public static byte[] Encode(HistogramBase histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        var raw = ByteBuffer.Allocate(histogram.GetNeededByteBufferCapacity());
        int length = histogram.Encode(raw, HistogramEncoderV2.Instance);
        // The buffer's array is not exposed: read the encoding back byte by byte (a few kB at most).
        var encoded = new byte[length];
        raw.Position = 0;
        for (int i = 0; i < length; i++) encoded[i] = raw.Get();
        using var output = new MemoryStream();
        output.Write(new byte[8]);
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(encoded);
        byte[] bytes = output.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0, 4), CompressedCookie);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4, 4), bytes.Length - 8);
        return bytes;
    }

    /// <summary>Decodes a histogram in the standard compressed encoding (checking the zlib stream's checksum).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a compressed V2 histogram.</exception>
    public static LongHistogram Decode(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(data) != CompressedCookie)
            throw new InvalidDataException("not an HdrHistogram in the V2 compressed encoding (cookie 0x1c849314)");
        int length = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
        if (length < 0 || length > data.Length - 8) throw new InvalidDataException($"the compressed length {length} runs past the {data.Length} bytes given");
        using var inflated = new MemoryStream();
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(data, 8, length), CompressionMode.Decompress);
            zlib.CopyTo(inflated);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"the histogram's zlib stream is damaged: {e.Message}", e);
        }
        try
        {
            var h = HistogramEncoding.DecodeFromByteBuffer(ByteBuffer.Allocate(inflated.ToArray()), 0);
            return h as LongHistogram ?? throw new InvalidDataException("the histogram's counts are not 64-bit");
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"the histogram's V2 encoding is damaged: {e.Message}", e);
        }
    }
}
