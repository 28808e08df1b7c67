/**
 * NodeProto.metadata_props (field 9, ONNX IR 10) read straight from the protobuf bytes.
 * onnx-proto's generated decoder predates the field and skips it, but the dynamo exporter keeps
 * each node's module path there (`pkg.torch.onnx.name_scopes`): the partitioner's only way to
 * place a dynamo node in its block. Only the path ModelProto.graph (7) → GraphProto.node (1) →
 * NodeProto.metadata_props (9) → key (1) / value (2) is walked; everything else is skipped.
 */

const MODEL_GRAPH = 7
const GRAPH_NODE = 1
const NODE_METADATA = 9

/** One map per node of the main graph, in file order (empty maps for nodes without metadata). */
export function readNodeMetadata(model: Uint8Array): Map<string, string>[] {
  const nodes: Map<string, string>[] = []
  for (const graph of fields(model, 0, model.length, MODEL_GRAPH)) {
    for (const node of fields(model, graph.start, graph.end, GRAPH_NODE)) {
      const props = new Map<string, string>()
      for (const entry of fields(model, node.start, node.end, NODE_METADATA)) {
        let key = ''
        let value = ''
        for (const f of fields(model, entry.start, entry.end, 1)) key = utf8(model, f)
        for (const f of fields(model, entry.start, entry.end, 2)) value = utf8(model, f)
        props.set(key, value)
      }
      nodes.push(props)
    }
  }
  return nodes
}

interface Span {
  start: number
  end: number
}

const decoder = new TextDecoder()
function utf8(bytes: Uint8Array, span: Span): string {
  return decoder.decode(bytes.subarray(span.start, span.end))
}

/** The length-delimited occurrences of field `wanted` in bytes[start, end). */
function fields(bytes: Uint8Array, start: number, end: number, wanted: number): Span[] {
  const out: Span[] = []
  let pos = start
  while (pos < end) {
    const [tag, afterTag] = varint(bytes, pos)
    pos = afterTag
    const field = Math.floor(tag / 8)
    const wire = tag % 8
    if (wire === 0) pos = varint(bytes, pos)[1]
    else if (wire === 1) pos += 8
    else if (wire === 5) pos += 4
    else if (wire === 2) {
      const [len, afterLen] = varint(bytes, pos)
      if (field === wanted) out.push({ start: afterLen, end: afterLen + len })
      pos = afterLen + len
    } else throw new Error(`protobuf wire type ${wire} at byte ${pos}: not an ONNX model`)
    if (pos > end) throw new Error('protobuf field runs past its message: truncated ONNX model')
  }
  return out
}

/** A varint as a double (exact below 2^53, which every length in a < 2 GiB file is). */
function varint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0
  let scale = 1
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new Error('protobuf varint runs past the end: truncated ONNX model')
    const b = bytes[pos++]
    value += (b & 0x7f) * scale
    if (b < 0x80) return [value, pos]
    scale *= 128
  }
  throw new Error('protobuf varint longer than 10 bytes: not an ONNX model')
}
