using System.Text;
using ConstitutionHub.Inference.Tokenization;

namespace ConstitutionHub.Inference.Generation.Constraints;

/// <summary>
/// The bytes each token id adds to the output, which constrained decoding checks against its grammar. Byte-level BPE
/// vocabularies spell bytes with GPT-2's printable alphabet; SentencePiece-style ones use "▁" for a space and
/// &lt;0xNN&gt; for raw bytes. Special tokens add nothing a grammar could accept (null).
/// </summary>
internal sealed class TokenBytes
{
    private readonly byte[]?[] bytes;

    private TokenBytes(byte[]?[] bytes) => this.bytes = bytes;

    public byte[]? this[int id] => (uint)id < (uint)this.bytes.Length ? this.bytes[id] : null;

    public int Count => this.bytes.Length;

    public static TokenBytes For(Tokenizer tokenizer, int vocabSize)
    {
        bool byteLevel = HasByteLevel(tokenizer.DecoderForStreaming);
        var bytes = new byte[]?[vocabSize];
        for (int id = 0; id < vocabSize; id++)
        {
            if (tokenizer.IsSpecial(id) || tokenizer.IdToToken(id) is not { Length: > 0 } token) continue;
            bytes[id] = byteLevel ? FromByteLevel(token) : FromSentencePiece(token);
        }
        return new TokenBytes(bytes);
    }

    private static bool HasByteLevel(Tokenization.Decoder? decoder) => decoder switch
    {
        ByteLevelDecoder => true,
        SequenceDecoder sequence => sequence.Steps.Any(HasByteLevel),
        _ => false,
    };

    private static byte[]? FromByteLevel(string token)
    {
        var result = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            char c = token[i];
            short b = c < ByteLevelAlphabet.CharToByte.Length ? ByteLevelAlphabet.CharToByte[c] : (short)-1;
            if (b < 0) return Encoding.UTF8.GetBytes(token); // an added token spelled in plain text
            result[i] = (byte)b;
        }
        return result;
    }

    private static byte[] FromSentencePiece(string token)
    {
        if (ByteFallbackDecoder.TryParseByteToken(token, out byte raw)) return [raw];
        return Encoding.UTF8.GetBytes(token.Replace('\u2581', ' '));
    }
}
