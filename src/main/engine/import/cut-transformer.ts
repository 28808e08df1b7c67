import type { CrossBlockRead } from '../../../shared/cross-block-reads'
import type { ForwardPattern } from '../../../shared/manifest'
import { EngineFailure } from '../errors'
import type { ModelProto } from '../model/onnx-graph'
import { analyseBoundaries, type FamilyCutSpec } from './boundaries'
import { emitCutGraphs, type CutGraphs } from './emit'
import { indexGraph, typeName } from './graph-index'
import { readNodeMetadata } from './node-metadata'
import { assignSegments, type BlockList } from './partition'
import { detectExporter, nodeScopes, type Exporter } from './scopes'

/** The whole cut of one transformer graph: partition → boundaries → cut graphs, with what was found. */

export interface CutResult {
  exporter: Exporter
  lists: (BlockList & { pattern: ForwardPattern; streamsIn: { hidden: string; encoder: string | null } })[]
  graphs: CutGraphs
  contexts: { name: string; type: string; readBy: number }[]
  hoisted: string[]
  /** Tensors a block reads from an earlier block of its list that are no stream (block indices in the list). */
  crossReads: CrossBlockRead[]
  nodes: number
  notes: string[]
}

/** FLUX's spec; every family's is in families/graph-specs.ts. */
export { FLUX_GRAPH } from './families/graph-specs'

export function cutTransformer(
  bytes: Uint8Array,
  model: ModelProto,
  file: string,
  family: FamilyCutSpec
): CutResult {
  const graph = model.graph
  if (!graph) throw new EngineFailure('model_invalid', `${file}: no graph`)
  const index = indexGraph(graph)
  const metadata = readNodeMetadata(bytes)
  const exporter = detectExporter(index, metadata)
  if (!exporter) {
    throw new EngineFailure(
      'model_invalid',
      `${file}: the graph has no module scopes (node names without "/module/" paths and no pkg.torch.onnx.name_scopes metadata), so its blocks cannot be found; export it with torch.onnx.export (optimum-cli export onnx, or dynamo=True) and do not save it after onnxruntime's graph optimizations`
    )
  }
  const part = assignSegments(index, nodeScopes(index, metadata, exporter), file)
  const bounds = analyseBoundaries(index, part, family, file)
  const graphs = emitCutGraphs(model, index, part, bounds, {
    inputNames: family.inputNames,
    patterns: bounds.patterns,
    streamRank: family.streamRank
  })
  const notes: string[] = []
  for (const s of bounds.encoderPassThrough)
    notes.push(
      `${part.segmentName(s)}: its encoder output is read by nothing and was not exported; the block returns its input`
    )
  return {
    exporter,
    lists: part.lists.map((l, i) => ({
      ...l,
      pattern: bounds.patterns[i],
      streamsIn: bounds.streams[l.firstSegment - 1]
    })),
    graphs,
    contexts: [...bounds.contexts].map(([name, c]) => ({
      name,
      type: typeName(c.type),
      readBy: c.readBy.size
    })),
    hoisted: bounds.hoisted.map((i) => index.nodes[i].name || `${index.nodes[i].opType} #${i}`),
    crossReads: bounds.crossReads.map((r) => {
      const list = part.lists.find((l) => r.to >= l.firstSegment && r.to < l.firstSegment + l.size)
      const first = list?.firstSegment ?? 1
      return { tensor: r.tensor, list: list?.name ?? '', from: r.from - first, to: r.to - first }
    }),
    nodes: index.nodes.length,
    notes
  }
}
