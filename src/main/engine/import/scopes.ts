import type { GraphIndex } from './graph-index'

/**
 * The top-level module of each node, from the exporter's traces (see the diffusers fixtures'
 * README, "What the graphs look like at block boundaries"):
 * - TorchScript keeps the module path in node names: `/transformer_blocks.3/attn/to_q/MatMul` is
 *   in `transformer_blocks.3`; `/Concat_3` is a top-level (root) op; a name without a leading `/`
 *   (constants) has no scope.
 * - dynamo keeps it in metadata_props `pkg.torch.onnx.name_scopes`, a Python list of the module
 *   paths ending with the fx node's own name: `['', 'transformer_blocks.0', 'transformer_blocks.0.attn',
 *   'mul_3']`. Nodes the onnxscript optimizer made carry no metadata (no scope).
 */

export type Scope = { kind: 'module'; top: string } | { kind: 'root' } | { kind: 'none' }

export const NAME_SCOPES = 'pkg.torch.onnx.name_scopes'

export type Exporter = 'torchscript' | 'dynamo'

/** Which exporter wrote the graph, judged by where its module paths are. */
export function detectExporter(index: GraphIndex, metadata: readonly Map<string, string>[]): Exporter | null {
  if (metadata.some((m) => m.has(NAME_SCOPES))) return 'dynamo'
  const scoped = index.nodes.filter((n) => (n.name ?? '').split('/').filter(Boolean).length >= 2).length
  return scoped > 0 ? 'torchscript' : null
}

export function nodeScopes(
  index: GraphIndex,
  metadata: readonly Map<string, string>[],
  exporter: Exporter
): Scope[] {
  return index.nodes.map((node, i) => {
    if (exporter === 'torchscript') return torchscriptScope(node.name ?? '')
    const scopes = metadata[index.filePos[i]]?.get(NAME_SCOPES)
    return scopes === undefined ? { kind: 'none' } : dynamoScope(scopes)
  })
}

function torchscriptScope(name: string): Scope {
  if (!name.startsWith('/')) return { kind: 'none' }
  const parts = name.split('/').filter(Boolean)
  return parts.length >= 2 ? { kind: 'module', top: parts[0] } : { kind: 'root' }
}

function dynamoScope(value: string): Scope {
  const items = [...value.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? m[2] ?? '')
  // The last item is the fx node's own name; the ones before it are module paths, outermost first.
  const modules = items.slice(0, -1).filter((s) => s !== '' && !s.startsWith('_empty_nn_module_stack'))
  if (modules.length === 0) return { kind: 'root' }
  const first = modules[0]
  const indexed = /^([A-Za-z_]\w*\.\d+)(\.|$)/.exec(first)
  return { kind: 'module', top: indexed ? indexed[1] : first.split('.')[0] }
}

/** `transformer_blocks.3` → ['transformer_blocks', 3]; null for a scope that is not a list item. */
export function listItem(top: string): [string, number] | null {
  const m = /^([A-Za-z_]\w*)\.(\d+)$/.exec(top)
  return m ? [m[1], Number(m[2])] : null
}
