#!/usr/bin/env python3
"""Renames private `_camel` fields to `camel`, the one field style of .editorconfig (rule private_fields_are_camel).

`dotnet format style --diagnostics IDE1006` reports these but cannot fix them ("NamingStyleCodeFixProvider doesn't
support Fix All"), so this does the rename, file by file:
- a field `_name` declared in a file becomes `name` there;
- where the file also uses the identifier `name` (a parameter, a local, a property), uses of the field become
  `this.name`, so nothing is captured by the other symbol;
- member access from outside (`other._name`) becomes `other.name`.
The build is the check: a field used from another file (a partial class) that was not renamed fails to compile.
Usage: python3 tools/field-names/rename.py [folder ...]   (default: src tests bench tools)
"""
import pathlib
import re
import sys

# A field declaration: a member line starting with `private`; the names are the `_camel` identifiers before the
# first `=` or `;` (several declarators share a line: `private ulong _s0, _s1;`).
DECLARATION = re.compile(r"^\s*private\b(?P<decl>[^=;{]*)(?:=|;)", re.MULTILINE)


def fields_declared(text):
    names = set()
    for m in DECLARATION.finditer(text):
        names.update(re.findall(r"(?<![\w.])_([a-z][A-Za-z0-9]*)\b", m.group("decl")))
    return sorted(names, key=len, reverse=True)


# Names that are C# keywords keep a verbatim prefix: `_out` becomes `@out`.
KEYWORDS = {"out", "in", "ref", "base", "this", "object", "string", "int", "long", "char", "bool", "byte", "default",
            "event", "fixed", "lock", "params", "operator", "checked", "case", "class", "const", "continue", "do",
            "double", "else", "enum", "explicit", "extern", "false", "finally", "float", "for", "foreach", "goto", "if",
            "implicit", "interface", "internal", "is", "namespace", "new", "null", "private", "protected", "public",
            "readonly", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "struct", "switch",
            "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual",
            "void", "volatile", "while", "abstract", "as", "break", "catch", "decimal", "delegate"}


def rename(text, bare):
    old = "_" + bare
    name = "@" + bare if bare in KEYWORDS else bare
    clash = re.search(rf"(?<![\w.@]){re.escape(bare)}\b", text) is not None
    # Declarations lose the underscore and never take `this.`; member access from outside loses it too.
    text = DECLARATION.sub(lambda m: re.sub(rf"(?<![\w.]){re.escape(old)}\b", name, m.group(0)), text)
    text = re.sub(rf"(?<=\.){re.escape(old)}\b", name, text)
    text = re.sub(rf"(?<![\w.]){re.escape(old)}\b", ("this." + name) if clash else name, text)
    return text


def main(folders):
    changed = 0
    for folder in folders:
        for path in pathlib.Path(folder).rglob("*.cs"):
            if any(part in ("obj", "bin", "node_modules") for part in path.parts):
                continue
            text = path.read_text(encoding="utf-8")
            names = fields_declared(text)
            if not names:
                continue
            new = text
            for name in names:
                new = rename(new, name)
            if new != text:
                path.write_text(new, encoding="utf-8")
                changed += 1
                print(f"{path}: {', '.join(names)}")
    print(f"{changed} files changed")


if __name__ == "__main__":
    main(sys.argv[1:] or ["src", "tests", "bench", "tools"])
