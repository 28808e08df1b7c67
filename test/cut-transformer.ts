import { readFileSync } from 'node:fs'
import type { FamilyCutSpec } from '../src/main/engine/import/boundaries'
import { cutTransformer, type CutResult } from '../src/main/engine/import/cut-transformer'
import { BlockProgram, type BlockSource } from '../src/main/engine/model/block-program'
import { LoadedTransformer } from '../src/main/engine/model/loaded-model'
import { encodeModel, onnx } from '../src/main/engine/model/onnx-graph'
import { Session } from '../src/main/engine/model/session'
import type { TransformerManifest } from '../src/shared/manifest'

/**
 * A transformer graph (FLUX, SD3, PixArt, Qwen-Image: the family spec of
 * import/families/graph-specs.ts) cut into embed / blocks / final by the importer's
 * cutTransformer, loaded as the engine's LoadedTransformer (one BlockProgram per cache context,
 * lists merged or not), in memory: an imported package's transformer without writing a package,
 * so one test can run every export of the graph.
 */

/** The importer's cut of one graph file. */
export function cutGraph(file: string, spec: FamilyCutSpec): CutResult {
  const bytes = readFileSync(file)
  return cutTransformer(bytes, onnx.ModelProto.decode(bytes), file, spec)
}

/** A cut as the engine's LoadedTransformer named 'transformer'. */
export async function loadCutTransformer(cut: CutResult): Promise<LoadedTransformer> {
  const lists = cut.lists.map((l) => {
    const blocks: BlockSource[] = cut.graphs.blocks
      .slice(l.firstSegment - 1, l.firstSegment - 1 + l.size)
      .map((g, k) => ({
        file: `${l.name}.${k}.onnx`,
        bytes: encodeModel(g),
        model: g
      }))
    return { name: l.name, pattern: l.pattern, blocks }
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
            embed: i === 0 ? cut.graphs.embed : null,
            final: i === contexts.length - 1 ? cut.graphs.final : null
          }
        )
    )
  }
  const embed = await Session.create(encodeModel(cut.graphs.embed), 'embed.onnx', 'cpu')
  const final = await Session.create(encodeModel(cut.graphs.final), 'final.onnx', 'cpu')
  return new LoadedTransformer(manifest, embed, final, make)
}

/** cutGraph then loadCutTransformer. */
export function cutWithSpec(file: string, spec: FamilyCutSpec): Promise<LoadedTransformer> {
  return loadCutTransformer(cutGraph(file, spec))
}
