import { readFileSync } from 'node:fs'
import { analyseBoundaries } from '../../src/main/engine/import/boundaries'
import { emitCutGraphs } from '../../src/main/engine/import/emit'
import { indexGraph } from '../../src/main/engine/import/graph-index'
import { readNodeMetadata } from '../../src/main/engine/import/node-metadata'
import { assignSegments } from '../../src/main/engine/import/partition'
import { detectExporter, nodeScopes } from '../../src/main/engine/import/scopes'
import { BlockProgram, type BlockSource } from '../../src/main/engine/model/block-program'
import { LoadedTransformer } from '../../src/main/engine/model/loaded-model'
import { encodeModel, onnx } from '../../src/main/engine/model/onnx-graph'
import { Session } from '../../src/main/engine/model/session'
import type { TransformerManifest } from '../../src/shared/manifest'

/**
 * A FLUX transformer graph cut into embed / blocks / final by the import partitioner, loaded as
 * the engine's LoadedTransformer (one BlockProgram per cache context, lists merged or not), in
 * memory: what an imported package's transformer is, without writing a package.
 */
export async function cutFluxTransformer(file: string): Promise<LoadedTransformer> {
  const bytes = readFileSync(file)
  const model = onnx.ModelProto.decode(bytes)
  const index = indexGraph(model.graph!)
  const metadata = readNodeMetadata(bytes)
  const exporter = detectExporter(index, metadata)
  if (!exporter) throw new Error(`${file}: no module scopes`)
  const part = assignSegments(index, nodeScopes(index, metadata, exporter), file)
  const bounds = analyseBoundaries(
    index,
    part,
    { hiddenInput: 'hidden_states', encoderInput: 'encoder_hidden_states', bothOrder: 'encoder-first' },
    file
  )
  const cut = emitCutGraphs(model, index, part, bounds, {
    inputNames: {
      latent: 'hidden_states',
      timestep: 'timestep',
      text_hidden: 'encoder_hidden_states',
      text_pooled: 'pooled_projections'
    },
    patterns: bounds.patterns
  })
  let next = 0
  const lists = part.lists.map((l, i) => {
    const blocks: BlockSource[] = cut.blocks.slice(next, next + l.size).map((g, k) => ({
      file: `${l.name}.${k}.onnx`,
      bytes: encodeModel(g),
      model: g
    }))
    next += l.size
    return { name: l.name, pattern: bounds.patterns[i], blocks }
  })
  const manifest: TransformerManifest = {
    name: 'transformer',
    timestepRange: [0, 1],
    embed: { file: 'embed.onnx' },
    blockLists: lists.map((l) => ({ name: l.name, pattern: l.pattern, blocks: l.blocks.map((b) => b.file) })),
    final: { file: 'final.onnx' }
  }
  const make = (merge: boolean) => {
    const contexts = merge
      ? [
          {
            name: lists.map((l) => l.name).join('+'),
            pattern: lists[0].pattern,
            blocks: lists.flatMap((l) => l.blocks)
          }
        ]
      : lists
    return contexts.map(
      (c, i) =>
        new BlockProgram(
          'transformer',
          c.name,
          c.pattern,
          c.blocks,
          'cpu',
          { intraOpThreads: 0 },
          'segments',
          {
            embed: i === 0 ? cut.embed : null,
            final: i === contexts.length - 1 ? cut.final : null
          }
        )
    )
  }
  const embed = await Session.create(encodeModel(cut.embed), 'embed.onnx', 'cpu')
  const final = await Session.create(encodeModel(cut.final), 'final.onnx', 'cpu')
  return new LoadedTransformer(manifest, embed, final, make)
}
