using ConstitutionHub.Inference.Templates;
using ConstitutionHub.Inference.Tokenization;

namespace ConstitutionHub.Inference.Tests.Templates;

public sealed class ChatTemplateTests
{
    private static readonly ChatMessage[] Hello = [new("user", "Hello")];

    [Fact]
    public void Unknown_filter_fails_where_it_is_rendered_with_its_position()
    {
        var template = ChatTemplate.Parse("Hi\n  {{ messages | xyz }}");
        var e = Assert.Throws<TemplateException>(() => template.Render(Hello, addGenerationPrompt: false));
        Assert.Contains("Unknown ArrayValue filter: xyz", e.Message);
        Assert.Equal(2, e.Line);
        // As in @huggingface/jinja, a branch that is not taken does not fail.
        Assert.Equal("ok", ChatTemplate.Parse("{% if false %}{{ x | xyz }}{% endif %}ok").Render(Hello, addGenerationPrompt: false));
    }

    [Fact]
    public void Unknown_test_fails_when_evaluated_and_unsupported_statement_at_parse_time()
    {
        var test = Assert.Throws<TemplateException>(() => ChatTemplate.Parse("{% if x is prime %}{% endif %}").Render(Hello, addGenerationPrompt: false));
        Assert.Contains("Unknown test: prime", test.Message);
        var statement = Assert.Throws<TemplateException>(() => ChatTemplate.Parse("line\n{% include 'other.jinja' %}"));
        Assert.Contains("statement 'include' is not supported", statement.Message);
        Assert.Equal((2, 4), (statement.Line, statement.Column));
    }

    [Fact]
    public void Syntax_error_reports_line_and_column()
    {
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse("{% for m in messages %}\n{{ m.content + }}\n{% endfor %}"));
        Assert.Equal(2, e.Line);
        Assert.Equal(16, e.Column);
        Assert.Contains("line 2, column 16", e.Message);
    }

    [Fact]
    public void Missing_end_tag_is_a_syntax_error()
    {
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse("{% if messages %}never closed"));
        Assert.Contains("endif", e.Message);
    }

    [Fact]
    public void Raise_exception_surfaces_the_template_message()
    {
        var t = ChatTemplate.Parse("{% if messages[0].role != 'system' %}{{ raise_exception('System message required, got ' + messages[0].role) }}{% endif %}");
        var e = Assert.Throws<TemplateException>(() => t.Render(Hello, false));
        Assert.True(e.RaisedByTemplate);
        Assert.Equal("System message required, got user", e.Message);
    }

    [Fact]
    public void Runtime_error_reports_the_failing_expression_position()
    {
        var t = ChatTemplate.Parse("ok\n   {{ 1 + none }}");
        var e = Assert.Throws<TemplateException>(() => t.Render(Hello, false));
        Assert.False(e.RaisedByTemplate);
        Assert.Equal(2, e.Line);
        Assert.Contains("null", e.Message);
    }

    [Fact]
    public void Strftime_now_formats_the_injected_clock()
    {
        var t = ChatTemplate.Parse("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M %B %%') }}")
            .WithClock(() => new DateTime(2024, 7, 5, 9, 3, 0));
        Assert.Equal("05 Jul 2024|2024-07-05 09:03 July %", t.Render(Hello, false));
    }

    [Fact]
    public void Variables_accept_dictionaries_lists_and_numbers()
    {
        var t = ChatTemplate.Parse("{{ tools | tojson }} {{ count + 1 }} {{ ratio }}");
        var variables = new Dictionary<string, object?>
        {
            ["tools"] = new List<object?> { new Dictionary<string, object?> { ["name"] = "f", ["n"] = 2 } },
            ["count"] = 41,
            ["ratio"] = 0.5,
        };
        Assert.Equal("[{\"name\": \"f\", \"n\": 2}] 42 0.5", t.Render(Hello, false, variables));
    }

    [Fact]
    public void Tokenizer_config_picks_the_default_template_from_a_list()
    {
        var config = TokenizerConfig.Parse("""
            {"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}],
             "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "add_bos_token": true}
            """);
        Assert.Equal("D", config.ChatTemplate);
        Assert.Equal("T", config.ChatTemplates["tool_use"]);
        Assert.Equal("<s>", config.BosToken);
        Assert.Equal("</s>", config.EosToken);
        Assert.True(config.AddBosToken);
        Assert.Null(config.PadToken);
    }

    [Fact]
    public void Tokenizer_config_rejects_a_malformed_chat_template()
    {
        var e = Assert.Throws<TokenizerException>(() => TokenizerConfig.Parse("""{"chat_template": 42}"""));
        Assert.Contains("chat_template", e.Message);
    }
}

public sealed class ChatTemplateLimitsTests
{
    [Fact]
    public void Huge_range_is_refused_instead_of_exhausting_memory()
    {
        var t = ChatTemplate.Parse("{% for i in range(100000000000) %}x{% endfor %}");
        var e = Assert.Throws<TemplateException>(() => t.Render([new ChatMessage("user", "hi")], false));
        Assert.Contains("range()", e.Message);
    }

    [Fact]
    public void Unknown_function_call_names_the_function()
    {
        var t = ChatTemplate.Parse("{{ undefined_helper(1) }}");
        var e = Assert.Throws<TemplateException>(() => t.Render([new ChatMessage("user", "hi")], false));
        Assert.Contains("'undefined_helper'", e.Message);
        Assert.Equal(1, e.Line);
    }
}
