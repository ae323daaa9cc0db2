namespace ConstitutionHub.Inference.Tokenization;

/// <summary>
/// GPT-2's reversible mapping between bytes and printable characters: printable Latin-1 bytes map to themselves,
/// the other 68 bytes to U+0100 and up, so every byte sequence becomes a string without spaces or control characters.
/// </summary>
internal static class ByteLevelAlphabet
{
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>Indexed by character; -1 for characters outside the alphabet.</summary>
    public static readonly short[] CharToByte = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var isPrintable = new bool[256];
        for (int b = '!'; b <= '~'; b++) isPrintable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) isPrintable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) isPrintable[b] = true;
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            map[b] = isPrintable[b] ? (char)b : (char)(256 + n++);
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[324];
        Array.Fill(map, (short)-1);
        for (int b = 0; b < 256; b++)
        {
            map[ByteToChar[b]] = (short)b;
        }
        return map;
    }

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, data) =>
        {
            for (int i = 0; i < data.Length; i++)
            {
                span[i] = ByteToChar[data[i]];
            }
        });
    }
}
