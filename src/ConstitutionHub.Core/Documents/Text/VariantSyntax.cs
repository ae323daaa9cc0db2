using System.Text.RegularExpressions;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>The rules of the <c>:::variant NAME</c> block syntax (see SYNTAX.md next to this file).</summary>
public static partial class VariantSyntax
{
    /// <summary>The info word after the <c>:::</c> fence that marks a variant block.</summary>
    public const string Keyword = "variant";

    /// <summary>The name that makes a variant the default one.</summary>
    public const string DefaultName = "default";

    /// <summary>The recipe choice that leaves a section out of the compiled prompt.</summary>
    public const string OmitChoice = "-";

    public const int MaxNameLength = 40;

    /// <summary>
    /// Names use a-z, 0-9 and '-', 1 to 40 characters, and must start with a letter or digit: a name made of
    /// hyphens alone would clash with the recipe's "-" (omit) choice.
    /// </summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>The variant used when a recipe says nothing: the one named "default", else the first one.</summary>
    public static string? DefaultOf(IReadOnlyList<string> variantNames) =>
        variantNames.Count == 0 ? null : variantNames.Contains(DefaultName) ? DefaultName : variantNames[0];

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
