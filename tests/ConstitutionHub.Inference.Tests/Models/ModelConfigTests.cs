using ConstitutionHub.Inference.Models;

namespace ConstitutionHub.Inference.Tests.Models;

public sealed class ModelConfigTests
{
    [Fact]
    public void Key_value_heads_and_head_dim_default_from_the_attention_sizes()
    {
        var c = ModelConfig.Parse("""{"model_type":"llama","hidden_size":4096,"num_attention_heads":32,"num_hidden_layers":32,"vocab_size":32000,"eos_token_id":2,"bos_token_id":1,"rope_scaling":{"type":"linear"}}""");
        Assert.Equal(32, c.NumKeyValueHeads);
        Assert.Equal(128, c.HeadDim);
        Assert.Equal(2048, c.MaxPositionEmbeddings);
        Assert.Equal([2], c.EosTokenIds);
        Assert.Equal(1, c.BosTokenId);
        Assert.False(c.TieWordEmbeddings);
    }

    [Fact]
    public void Generation_config_overrides_eos_with_a_list()
    {
        var c = ModelConfig.Parse(
            """{"model_type":"qwen2","hidden_size":896,"num_attention_heads":14,"num_key_value_heads":2,"num_hidden_layers":24,"max_position_embeddings":32768,"vocab_size":151936,"tie_word_embeddings":true,"eos_token_id":151643}""",
            """{"eos_token_id":[151645,151643],"bos_token_id":151643}""");
        Assert.Equal([151645, 151643], c.EosTokenIds);
        Assert.Equal(2, c.NumKeyValueHeads);
        Assert.Equal(64, c.HeadDim);
        Assert.True(c.TieWordEmbeddings);
    }

    [Fact]
    public void Gemma_style_head_dim_and_nested_text_config_are_read()
    {
        var c = ModelConfig.Parse("""{"model_type":"gemma3","text_config":{"hidden_size":640,"num_attention_heads":4,"num_key_value_heads":1,"head_dim":256,"num_hidden_layers":18,"max_position_embeddings":32768,"vocab_size":262144},"eos_token_id":[1,106]}""");
        Assert.Equal(256, c.HeadDim);
        Assert.Equal(1, c.NumKeyValueHeads);
        Assert.Equal([1, 106], c.EosTokenIds);
    }

    [Theory]
    [InlineData("""{"hidden_size":64}""", "num_attention_heads")]
    [InlineData("""{"hidden_size":64,"num_attention_heads":6,"num_key_value_heads":4,"num_hidden_layers":1,"vocab_size":9}""", "inconsistent")]
    [InlineData("""[1,2]""", "JSON object")]
    [InlineData("""{nope""", "not valid JSON")]
    public void Bad_configs_say_what_is_wrong(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => ModelConfig.Parse(json));
        Assert.Contains(expected, e.Message);
    }
}
