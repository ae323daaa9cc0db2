namespace ConstitutionHub.Inference.Templates;

/// <summary>
/// A chat template that cannot be parsed, uses a feature this interpreter does not support, fails while rendering,
/// or calls <c>raise_exception(message)</c> (then <see cref="Exception.Message"/> is the template's own message).
/// </summary>
public sealed class TemplateException : Exception
{
    public TemplateException(string message, int line, int column, bool raisedByTemplate = false)
        : base(raisedByTemplate || line <= 0 ? message : $"{message} (line {line}, column {column})")
    {
        Line = line;
        Column = column;
        RaisedByTemplate = raisedByTemplate;
        Reason = message;
    }

    /// <summary>1-based line in the template source, 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column in the template source, 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>True when the template itself called raise_exception.</summary>
    public bool RaisedByTemplate { get; }

    /// <summary>The message without the position.</summary>
    public string Reason { get; }
}
