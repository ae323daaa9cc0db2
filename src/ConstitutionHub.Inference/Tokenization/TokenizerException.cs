namespace ConstitutionHub.Inference.Tokenization;

/// <summary>A tokenizer file that cannot be read, or that uses a component this tokenizer does not implement.</summary>
public sealed class TokenizerException : Exception
{
    public TokenizerException(string message) : base(message) { }

    public TokenizerException(string message, Exception inner) : base(message, inner) { }
}
