using HdrHistogram;
using HdrHistogram.Utilities;

namespace Sandbench.Load;

/// <summary>
/// HdrHistogram's own compressed encoding (V2, the one Java's and .NET's HistogramLogWriter write), so a
/// stored histogram can be read back with every percentile, by Sandbench or by any HdrHistogram library.
/// </summary>
public static class HistogramCodec
{
    public static byte[] Encode(HistogramBase histogram)
    {
        var buffer = ByteBuffer.Allocate(histogram.GetNeededByteBufferCapacity());
        int length = histogram.EncodeIntoCompressedByteBuffer(buffer);
        // This version of ByteBuffer shows its bytes only one at a time.
        var bytes = new byte[length];
        buffer.Position = 0;
        for (int i = 0; i < length; i++) bytes[i] = buffer.Get();
        return bytes;
    }

    public static HistogramBase Decode(byte[] encoded) => HistogramEncoding.DecodeFromCompressedByteBuffer(ByteBuffer.Allocate(encoded), 0);
}
