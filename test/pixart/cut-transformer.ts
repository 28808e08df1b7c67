import { readFileSync } from 'node:fs'
import { cutTransformer } from '../../src/main/engine/import/cut-transformer'
import { PIXART_GRAPH } from '../../src/main/engine/import/families/graph-specs'
import { BlockProgram, type BlockSource } from '../../src/main/engine/model/block-program'
import { LoadedTransformer } from '../../src/main/engine/model/loaded-model'
import { encodeModel, onnx } from '../../src/main/engine/model/onnx-graph'
import { Session } from '../../src/main/engine/model/session'
import type { TransformerManifest } from '../../src/shared/manifest'

/**
 * A PixArt transformer graph cut by the importer's cutTransformer with the family's spec, loaded
 * as the engine's LoadedTransformer in memory (an imported package's transformer without writing
 * a package), so one test can run both exports through the step cache.
 */
export function cutPixArt(file: string) {
  const bytes = readFileSync(file)
  return cutTransformer(bytes, onnx.ModelProto.decode(bytes), file, PIXART_GRAPH)
}

export async function cutPixArtTransformer(file: string): Promise<LoadedTransformer> {
  const cut = cutPixArt(file)
  if (cut.lists.length !== 1) throw new Error(`${file}: ${cut.lists.length} block lists, PixArt has one`)
  const [list] = cut.lists
  const blocks: BlockSource[] = cut.graphs.blocks
    .slice(list.firstSegment - 1, list.firstSegment - 1 + list.size)
    .map((g, k) => ({ file: `${list.name}.${k}.onnx`, bytes: encodeModel(g), model: g }))
  const manifest: TransformerManifest = {
    name: 'transformer',
    timestepRange: [0, 1],
    embed: { file: 'embed.onnx' },
    blockLists: [{ name: list.name, pattern: list.pattern, blocks: blocks.map((b) => b.file) }],
    final: { file: 'final.onnx' }
  }
  const program = () => [
    new BlockProgram(
      'transformer',
      list.name,
      list.pattern,
      blocks,
      'cpu',
      { intraOpThreads: 0 },
      'segments',
      {
        embed: cut.graphs.embed,
        final: cut.graphs.final
      }
    )
  ]
  const embed = await Session.create(encodeModel(cut.graphs.embed), 'embed.onnx', 'cpu')
  const final = await Session.create(encodeModel(cut.graphs.final), 'final.onnx', 'cpu')
  return new LoadedTransformer(manifest, embed, final, program)
}
