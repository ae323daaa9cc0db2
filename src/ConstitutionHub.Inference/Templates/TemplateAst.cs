namespace ConstitutionHub.Inference.Templates;

/// <summary>A node of the parsed template; <see cref="Offset"/> points into the original source for error messages.</summary>
internal abstract record Node(int Offset);

internal sealed record TextNode(string Value, int Offset) : Node(Offset);
internal sealed record CommentNode(int Offset) : Node(Offset);
internal sealed record OutputNode(Node Expression, int Offset) : Node(Offset);
internal sealed record SetNode(Node Target, Node? Value, List<Node> Body, int Offset) : Node(Offset);
internal sealed record IfNode(Node Test, List<Node> Body, List<Node> Alternate, int Offset) : Node(Offset);
internal sealed record ForNode(Node LoopVar, Node Iterable, List<Node> Body, List<Node> Else, int Offset) : Node(Offset);
internal sealed record MacroNode(string Name, List<Node> Parameters, List<Node> Body, int Offset) : Node(Offset);
internal sealed record CallBlockNode(CallNode Call, List<Node>? CallerParameters, List<Node> Body, int Offset) : Node(Offset);
internal sealed record FilterBlockNode(Node Filter, List<Node> Body, int Offset) : Node(Offset);
internal sealed record BreakNode(int Offset) : Node(Offset);
internal sealed record ContinueNode(int Offset) : Node(Offset);

/// <summary>An integer literal, held as JavaScript holds it: a double (exact up to 2^53).</summary>
internal sealed record IntegerLiteral(double Value, int Offset) : Node(Offset);
internal sealed record FloatLiteral(double Value, int Offset) : Node(Offset);
internal sealed record StringLiteral(string Value, int Offset) : Node(Offset);
internal sealed record ArrayLiteral(List<Node> Items, int Offset) : Node(Offset);
internal sealed record TupleLiteral(List<Node> Items, int Offset) : Node(Offset);
internal sealed record ObjectLiteral(List<(Node Key, Node Value)> Entries, int Offset) : Node(Offset);
internal sealed record Identifier(string Name, int Offset) : Node(Offset);
internal sealed record MemberNode(Node Object, Node Property, bool Computed, int Offset) : Node(Offset);
internal sealed record SliceNode(Node? Start, Node? Stop, Node? Step, int Offset) : Node(Offset);
internal sealed record CallNode(Node Callee, List<Node> Args, int Offset) : Node(Offset);
internal sealed record KeywordArgument(Identifier Key, Node Value, int Offset) : Node(Offset);
internal sealed record SpreadArgument(Node Value, int Offset) : Node(Offset);
internal sealed record KeywordSpreadArgument(Node Value, int Offset) : Node(Offset);
internal sealed record UnaryNode(string Operator, Node Argument, int Offset) : Node(Offset);
internal sealed record BinaryNode(string Operator, Node Left, Node Right, int Offset) : Node(Offset);
internal sealed record FilterNode(Node Operand, Node Filter, int Offset) : Node(Offset);
internal sealed record TestNode(Node Operand, bool Negate, string Test, List<Node> Args, int Offset) : Node(Offset);
internal sealed record SelectNode(Node Value, Node Test, int Offset) : Node(Offset);
internal sealed record TernaryNode(Node Condition, Node WhenTrue, Node WhenFalse, int Offset) : Node(Offset);
