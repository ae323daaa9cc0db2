"""The training corpus of the demo models, from text that is on every machine that builds the repository.

Three parts:
  - the baseline constitution of the app (src/ConstitutionHub.Web/Features/Constitutions/baseline-constitution.md),
  - software licences from Debian's /usr/share/common-licenses (long, plain English prose),
  - chat conversations generated from the constitution and from small templates (greetings, arithmetic,
    counting, short code), so that a model trained on it answers in turns and closes them.
Everything is generated with a seeded random.Random, so the corpus is the same on every run.
"""

import hashlib
import os
import random
import re

LICENCES = ["Apache-2.0", "BSD", "CC0-1.0", "GPL-3", "LGPL-2.1", "MPL-2.0", "Artistic"]
LICENCE_DIR = "/usr/share/common-licenses"
CONSTITUTION = os.path.join("src", "ConstitutionHub.Web", "Features", "Constitutions", "baseline-constitution.md")


def parse_constitution(text):
    """Sections as (title, common paragraphs, {variant: text}); the Markdown headings and fences dropped."""
    sections = []
    for block in re.split(r"^## ", text, flags=re.M)[1:]:
        title, _, body = block.partition("\n")
        variants = {}
        for name, content in re.findall(r":::variant (\w+)\n(.*?)\n:::", body, flags=re.S):
            variants[name] = " ".join(content.split())
        common = re.sub(r":::variant \w+\n.*?\n:::", "", body, flags=re.S)
        paragraphs = [" ".join(p.split()) for p in common.strip().split("\n\n") if p.strip()]
        sections.append((title.strip(), paragraphs, variants))
    return sections


def _sentences(text):
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


GREETINGS = [
    ("Hello!", "Hello! How can I help you today?"),
    ("Hi there.", "Hi! What would you like to talk about?"),
    ("Good morning!", "Good morning! What can I do for you?"),
    ("Thanks, that helps.", "You are welcome. Let me know if you have another question."),
    ("Who are you?", "I am a small demo model. I answer in short sentences, and I can be wrong."),
    ("What can you do?", "I can answer simple questions, explain the constitution of this app and write short code."),
    ("Are you always right?", "No. I am a very small model, so check anything important before you rely on it."),
    ("Tell me a fact.", "Water boils at 100 degrees Celsius at sea level."),
    ("What day comes after Monday?", "Tuesday comes after Monday."),
    ("What colour is the sky?", "On a clear day the sky is blue."),
]

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]

CODE = [
    ("Write a Python function that adds two numbers.",
     "Here is a short function:\n\n```python\ndef add(a, b):\n    return a + b\n```\n\nIt returns the sum of a and b."),
    ("Write a C# method that returns the larger of two integers.",
     "Here is one way:\n\n```csharp\nstatic int Max(int a, int b) => a > b ? a : b;\n```"),
    ("How do I print hello in JavaScript?", "Use console.log:\n\n```js\nconsole.log(\"hello\");\n```"),
    ("Write a loop that counts to three in Python.",
     "```python\nfor i in range(1, 4):\n    print(i)\n```\n\nThis prints 1, 2 and 3."),
]


def conversations(sections, rng, count):
    """Chat conversations as lists of {role, content}; some with a system message, some without."""
    templates = [
        "What does the constitution say about {t}?",
        "Tell me about the section on {t}.",
        "Explain the part about {t}.",
        "How should you behave regarding {t}?",
        "Summarise the section {t}.",
    ]
    out = []
    for _ in range(count):
        kind = rng.random()
        messages = []
        if rng.random() < 0.4:
            title, paragraphs, variants = rng.choice(sections)
            system = variants.get("default") or (paragraphs[0] if paragraphs else title)
            messages.append({"role": "system", "content": system})
        if kind < 0.45:
            title, paragraphs, variants = rng.choice(sections)
            question = rng.choice(templates).format(t=title.lower())
            text = " ".join(paragraphs + ([variants["default"]] if "default" in variants else []))
            sentences = _sentences(text)
            answer = " ".join(sentences[: rng.randint(1, min(4, len(sentences)))]) if sentences else title
            messages += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
        elif kind < 0.6:
            title, paragraphs, variants = rng.choice([s for s in sections if s[2]])
            name = rng.choice(sorted(variants))
            messages += [{"role": "user", "content": f"What is the {name} variant of {title.lower()}?"},
                         {"role": "assistant", "content": variants[name]}]
        elif kind < 0.75:
            q, a = rng.choice(GREETINGS)
            messages += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        elif kind < 0.88:
            a, b = rng.randint(0, 10), rng.randint(0, 10)
            if rng.random() < 0.5:
                messages += [{"role": "user", "content": f"What is {a} plus {b}?"},
                             {"role": "assistant", "content": f"{a} plus {b} is {a + b}."}]
            else:
                messages += [{"role": "user", "content": f"Write the number {a} in words."},
                             {"role": "assistant", "content": f"{a} is written \"{NUMBER_WORDS[a]}\"."}]
        else:
            q, a = rng.choice(CODE)
            messages += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        if rng.random() < 0.2:
            q, a = rng.choice(GREETINGS[3:])
            messages += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        out.append(messages)
    return out


def build(repo_root, seed=1234, conversation_count=3000):
    """Returns (plain documents, conversations, sha256 of everything) for the BPE trainer and the models."""
    rng = random.Random(seed)
    with open(os.path.join(repo_root, CONSTITUTION), encoding="utf-8") as f:
        constitution = f.read()
    documents = [constitution]
    for name in LICENCES:
        path = os.path.join(LICENCE_DIR, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                documents.append(f.read())
        else:
            print(f"corpus: {path} is missing, the corpus (and the models) will differ from the committed ones")
    sections = parse_constitution(constitution)
    chats = conversations(sections, rng, conversation_count)
    digest = hashlib.sha256()
    for d in documents:
        digest.update(d.encode("utf-8"))
    for c in chats:
        for m in c:
            digest.update((m["role"] + "\0" + m["content"] + "\0").encode("utf-8"))
    return documents, chats, digest.hexdigest()
