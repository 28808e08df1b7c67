import type { ModelInfo } from '../../../shared/manifest'
import { modelInfo } from './model-info'
import { graphInputNames, graphOutputNames, parameterCount, valueDims } from './onnx-graph'
import { loadPackage } from './package'

/**
 * Everything `studio inspect` shows about a package, after the full load checks (schema,
 * sha256 of every file, graph I/O): per-graph parameters and names, and the files.
 */

export interface GraphDescription {
  role: string
  file: string
  parameters: number
  inputs: string[]
  outputs: string[]
}

export interface PackageDescription {
  info: ModelInfo
  latent: number[]
  /** Image/video tokens each transformer call sees (the blocks' hidden_states length). */
  latentTokens: number | null
  /** Text tokens (the tokenizer pads or truncates every prompt to this length). */
  maxLength: number
  shift: number
  mergeBlockLists: boolean
  graphs: GraphDescription[]
  files: { file: string; bytes: number }[]
  parameters: number
}

export async function describePackage(dir: string, embedded = false): Promise<PackageDescription> {
  const pkg = await loadPackage(dir)
  const m = pkg.manifest
  const graphs: GraphDescription[] = []
  const add = (role: string, file: string) => {
    const g = pkg.graph(file)
    graphs.push({
      role,
      file,
      parameters: parameterCount(g.graph),
      inputs: graphInputNames(g),
      outputs: graphOutputNames(g)
    })
  }
  add('text encoder', m.textEncoder.file)
  for (const t of m.transformers) {
    add(`${t.name}/embed`, t.embed.file)
    for (const l of t.blockLists) l.blocks.forEach((f, i) => add(`${t.name}/${l.name}[${i}] ${l.pattern}`, f))
    add(`${t.name}/final`, t.final.file)
  }
  if (m.decoder) add('decoder', m.decoder.file)
  const { channels: C, frames: F, height: H, width: W } = m.latent
  // The embed graph's output length is often symbolic after export; a block's input is fixed.
  const firstBlock = m.transformers[0].blockLists[0].blocks[0]
  const tokens = valueDims(pkg.graph(firstBlock), 'input', 'hidden_states')?.[1]
  return {
    info: await modelInfo(pkg.dir, m, embedded),
    latent: m.kind === 'video' ? [C, F, H, W] : [C, H, W],
    latentTokens: typeof tokens === 'number' && tokens > 0 ? tokens : null,
    maxLength: m.tokenizer.maxLength,
    shift: m.scheduler.shift,
    mergeBlockLists: m.cache?.mergeBlockLists ?? false,
    graphs,
    files: [...pkg.files].map(([file, bytes]) => ({ file, bytes: bytes.length })),
    parameters: graphs.reduce((n, g) => n + g.parameters, 0)
  }
}
