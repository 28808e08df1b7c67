"""The exported graphs carry the tensor names docs/model-package.md fixes ("Graph I/O contract"),
with a dynamic batch axis: the engine finds every tensor by these names."""
import json
import os

import onnx
import pytest

from conftest import PATTERNS

# docs/model-package.md, forward patterns: block inputs (besides context tensors), outputs in order.
DOC_PATTERN_IO = {
    "Pattern_0": (["hidden_states", "encoder_hidden_states"], ["hidden_states_out", "encoder_hidden_states_out"]),
    "Pattern_1": (["hidden_states", "encoder_hidden_states"], ["encoder_hidden_states_out", "hidden_states_out"]),
    "Pattern_2": (["hidden_states", "encoder_hidden_states"], ["hidden_states_out"]),
    "Pattern_3": (["hidden_states"], ["hidden_states_out"]),
    "Pattern_4": (["hidden_states"], ["hidden_states_out", "encoder_hidden_states_out"]),
    "Pattern_5": (["hidden_states"], ["encoder_hidden_states_out", "hidden_states_out"]),
}


def io(path):
    g = onnx.load(path).graph
    return [i.name for i in g.input], [o.name for o in g.output], g


def batch_is_dynamic(g):
    return all(v.type.tensor_type.shape.dim[0].dim_param for v in list(g.input) + list(g.output))


def manifest(d):
    with open(os.path.join(d, "model.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_a_block_of_each_pattern_exports_with_the_documented_names(per_pattern, pattern):
    d = per_pattern[pattern]
    (bl,) = manifest(d)["transformers"][0]["blockLists"]
    assert bl["pattern"] == pattern
    ins, outs, g = io(os.path.join(d, bl["blocks"][0]))
    doc_in, doc_out = DOC_PATTERN_IO[pattern]
    # the pattern's inputs, then the context tensor temb the embed graph produces
    assert ins == doc_in + ["temb"]
    assert outs == doc_out
    assert batch_is_dynamic(g)


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_embed_has_an_encoder_stream_exactly_when_the_blocks_take_one(per_pattern, pattern):
    d = per_pattern[pattern]
    t = manifest(d)["transformers"][0]
    ins, outs, g = io(os.path.join(d, t["embed"]["file"]))
    assert ins == ["latent", "timestep", "text_hidden"]
    takes_e = "encoder_hidden_states" in DOC_PATTERN_IO[pattern][0]
    assert outs == ["hidden_states"] + (["encoder_hidden_states"] if takes_e else []) + ["temb"]
    assert batch_is_dynamic(g)


def test_text_encoder_final_and_decoder_export_with_the_documented_names(flux_like):
    m = manifest(flux_like)
    ins, outs, g = io(os.path.join(flux_like, m["textEncoder"]["file"]))
    assert (ins, outs) == (["input_ids"], ["text_hidden"])
    assert g.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert [d.dim_value for d in g.input[0].type.tensor_type.shape.dim[1:]] == [m["tokenizer"]["maxLength"]]
    ins, outs, g = io(os.path.join(flux_like, m["transformers"][0]["final"]["file"]))
    assert (ins, outs) == (["hidden_states", "temb"], ["velocity"])
    assert batch_is_dynamic(g)
    ins, outs, g = io(os.path.join(flux_like, m["decoder"]["file"]))
    assert (ins, outs) == (["latent"], ["image"])
    lat = m["latent"]
    assert [d.dim_value for d in g.input[0].type.tensor_type.shape.dim[1:]] == [
        lat["channels"], lat["height"], lat["width"]]


def test_every_graph_is_opset_17_and_passes_the_onnx_checker(flux_like):
    m = manifest(flux_like)
    graphs = [f for f in m["files"] if f.endswith(".onnx")]
    assert len(graphs) == 1 + 1 + 4 + 1 + 1  # text encoder, embed, 2 + 2 blocks, final, decoder
    for f in graphs:
        model = onnx.load(os.path.join(flux_like, f))
        onnx.checker.check_model(model)
        assert [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] == [17], f
