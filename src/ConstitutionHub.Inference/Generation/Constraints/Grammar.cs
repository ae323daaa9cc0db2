using System.Text;

namespace ConstitutionHub.Inference.Generation.Constraints;

/// <summary>
/// A context-free grammar over bytes, the form every output constraint compiles to: rules of alternatives, each a
/// sequence of byte sets and references to other rules. Repetition is right recursion (never left recursion), which
/// the matcher runs without growing its stacks.
/// </summary>
internal sealed class Grammar
{
    private readonly List<List<Element[]>> rules = [];

    public abstract record Element;

    /// <summary>One byte from a set.</summary>
    public sealed record ByteSet(bool[] Allowed) : Element
    {
        public static ByteSet Of(byte b)
        {
            var set = new bool[256];
            set[b] = true;
            return new ByteSet(set);
        }

        public static ByteSet Range(int from, int to, params int[] except)
        {
            var set = new bool[256];
            for (int b = from; b <= to; b++) set[b] = true;
            foreach (int b in except) set[b] = false;
            return new ByteSet(set);
        }
    }

    public sealed record RuleRef(int Rule) : Element;

    public int Start { get; set; }

    public IReadOnlyList<Element[]> Alternatives(int rule) => this.rules[rule];

    /// <summary>A new rule with no alternatives yet (for recursion: define it, then add to it).</summary>
    public int Declare()
    {
        this.rules.Add([]);
        return this.rules.Count - 1;
    }

    public int Rule(params Element[][] alternatives)
    {
        int id = Declare();
        this.rules[id].AddRange(alternatives);
        return id;
    }

    public void Add(int rule, params Element[] alternative) => this.rules[rule].Add(alternative);

    /// <summary>A rule that matches nothing but the empty string. (<c>Rule([])</c> would be a rule with no alternatives at all.)</summary>
    public int Empty()
    {
        int id = Declare();
        Add(id);
        return id;
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, one set each.</summary>
    public static Element[] Literal(string text) => Encoding.UTF8.GetBytes(text).Select(b => (Element)ByteSet.Of(b)).ToArray();

    public static Element Ref(int rule) => new RuleRef(rule);

    /// <summary>One of the literal texts.</summary>
    public int Choice(IEnumerable<string> texts) => Rule(texts.Select(Literal).ToArray());

    /// <summary>Zero or one of <paramref name="element"/>.</summary>
    public int Optional(params Element[] element) => Rule([], element);

    /// <summary>Zero or more of <paramref name="element"/> (right recursion).</summary>
    public int Star(Element element)
    {
        int rule = Declare();
        Add(rule);
        Add(rule, element, Ref(rule));
        return rule;
    }

    /// <summary>Between <paramref name="min"/> and <paramref name="max"/> of <paramref name="element"/>, unrolled.</summary>
    public int Bounded(Element element, int min, int max)
    {
        int tail = Empty();
        for (int i = max; i > min; i--) tail = Rule([], [element, Ref(tail)]);
        var head = new List<Element>();
        for (int i = 0; i < min; i++) head.Add(element);
        head.Add(Ref(tail));
        return Rule([.. head]);
    }
}
