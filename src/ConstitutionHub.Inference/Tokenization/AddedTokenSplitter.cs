namespace ConstitutionHub.Inference.Tokenization;

/// <summary>An entry of tokenizer.json "added_tokens".</summary>
internal sealed record AddedToken(string Content, int Id, bool Special, bool Normalized, bool LStrip, bool RStrip, bool SingleWord);

/// <summary>
/// Splits text around added-token contents: at each position the longest content starting there wins, scanning
/// left to right (transformers.js: DictionarySplitter).
/// </summary>
internal sealed class AddedTokenSplitter
{
    private sealed class Node
    {
        public Dictionary<char, Node>? Children;
        public string? End;
    }

    private readonly Node root = new();
    private readonly HashSet<char> firstChars = [];

    public AddedTokenSplitter(IEnumerable<string> contents)
    {
        foreach (string word in contents)
        {
            if (word.Length == 0) continue;
            Node node = root;
            foreach (char c in word)
            {
                node.Children ??= [];
                if (!node.Children.TryGetValue(c, out var child))
                {
                    child = new Node();
                    node.Children[c] = child;
                }
                node = child;
            }
            node.End = word;
            firstChars.Add(word[0]);
        }
    }

    public List<string> Split(string text)
    {
        var result = new List<string>();
        if (firstChars.Count == 0)
        {
            result.Add(text);
            return result;
        }
        int start = 0;
        int i = 0;
        int n = text.Length;
        while (i < n)
        {
            if (!firstChars.Contains(text[i]))
            {
                i++;
                continue;
            }
            Node? node = root;
            string? match = null;
            for (int j = i; j < n && node.Children is not null && node.Children.TryGetValue(text[j], out node); j++)
            {
                if (node.End is not null) match = node.End;
            }
            if (match is not null)
            {
                if (i > start) result.Add(text[start..i]);
                result.Add(match);
                i += match.Length;
                start = i;
            }
            else
            {
                i++;
            }
        }
        if (start < n) result.Add(text[start..]);
        return result;
    }
}
