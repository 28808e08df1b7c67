"""fp16 variants of the tiny fixtures' text encoders and VAE decoders, with float16 inputs and outputs.

The fp16 ONNX repositories desktop apps use hold text encoders and VAE decoders converted to fp16
with fp16 inputs and outputs (int64 token ids stay int64). The fixtures' components are fp32, so
this converts some with onnxruntime's own float16 converter, keep_io_types=False as such an export
has it, into test/fixtures/diffusers/<fixture>/onnx-variants/<component>-fp16/model.onnx, which
test/flux/imported.test.ts and test/import/fp16-components.test.ts import in place of the fp32 ones.
It prints each graph's size and, on one random input, its largest difference from the fp32 graph.

Run from the repository root, in a venv with onnx and onnxruntime (1.30, as the fixtures were made):
    /work/venv/bin/python tools/make_fp16_components.py
"""

import argparse
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.transformers.float16 import convert_float_to_float16

FIXTURES = os.path.join("test", "fixtures", "diffusers")

# (fixture, exporter folder, component): FLUX's two text encoders and VAE, and Wan's causal 3D VAE
# (only the dynamo export has one).
COMPONENTS = [
    ("flux-tiny", "onnx", "text_encoder"),
    ("flux-tiny", "onnx", "text_encoder_2"),
    ("flux-tiny", "onnx", "vae_decoder"),
    ("wan2.1-tiny", "onnx-dynamo", "vae_decoder"),
]

NP_TYPES = {
    "tensor(float)": np.float32,
    "tensor(float16)": np.float16,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
}


def random_feeds(session, rng):
    """One value per input, fixed symbolic dims given small sizes; token ids in 0..99."""
    feeds = {}
    for i in session.get_inputs():
        shape = [d if isinstance(d, int) else 8 for d in i.shape]
        dtype = NP_TYPES[i.type]
        if np.issubdtype(dtype, np.integer):
            feeds[i.name] = rng.integers(0, 100, size=shape).astype(dtype)
        else:
            feeds[i.name] = rng.standard_normal(shape).astype(dtype)
    return feeds


def drop_repeated_casts(graph):
    """The converter casts a value an fp32-kept node reads (Range, by its default block list) once
    per reader, each Cast named and writing the same as the others; onnxruntime refuses a graph
    that writes a value twice (the dynamo Wan VAE's arange start feeds six Ranges), so all but the
    first of such identical Casts go."""
    seen = set()
    kept = []
    for node in graph.node:
        key = (node.op_type, node.name, tuple(node.input), tuple(node.output))
        if node.op_type == "Cast" and key in seen:
            continue
        seen.add(key)
        kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)


def convert(src, dst):
    model = onnx.load(src)
    half = convert_float_to_float16(model, keep_io_types=False)
    drop_repeated_casts(half.graph)
    # The dynamo exporter's per-node metadata (name scopes, 690 KB of the Wan VAE's 910): only the
    # transformer's partitioner reads it, so the committed copies leave it out.
    for node in half.graph.node:
        del node.metadata_props[:]
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    onnx.save(half, dst)


def largest_difference(src, dst):
    """The fp16 graph's largest |difference| from the fp32 one on each output, for one random input."""
    full = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    half = ort.InferenceSession(dst, providers=["CPUExecutionProvider"])
    feeds = random_feeds(full, np.random.default_rng(0))
    half_types = {i.name: NP_TYPES[i.type] for i in half.get_inputs()}
    half_feeds = {k: v.astype(half_types[k]) for k, v in feeds.items()}
    want = full.run(None, feeds)
    got = half.run(None, half_feeds)
    return {
        o.name: float(np.max(np.abs(w.astype(np.float32) - g.astype(np.float32))))
        for o, w, g in zip(full.get_outputs(), want, got)
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", default=FIXTURES, help="the diffusers fixtures folder")
    args = parser.parse_args()
    for fixture, exporter, component in COMPONENTS:
        src = os.path.join(args.fixtures, fixture, exporter, component, "model.onnx")
        dst = os.path.join(args.fixtures, fixture, "onnx-variants", f"{component}-fp16", "model.onnx")
        convert(src, dst)
        diffs = ", ".join(f"{k} {v:.2e}" for k, v in largest_difference(src, dst).items())
        print(f"{dst}: {os.path.getsize(dst)} bytes; largest difference from fp32: {diffs}")


if __name__ == "__main__":
    main()
