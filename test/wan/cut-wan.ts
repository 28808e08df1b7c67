import { readFileSync } from 'node:fs'
import { WAN_GRAPH } from '../../src/main/engine/import/families/graph-specs'
import { cutTransformer } from '../../src/main/engine/import/cut-transformer'
import { BlockProgram, type BlockSource } from '../../src/main/engine/model/block-program'
import { LoadedTransformer } from '../../src/main/engine/model/loaded-model'
import { encodeModel, onnx } from '../../src/main/engine/model/onnx-graph'
import { Session } from '../../src/main/engine/model/session'
import type { TransformerManifest } from '../../src/shared/manifest'

/**
 * A Wan transformer graph cut into embed / blocks / final by the importer's cutTransformer with
 * the Wan family's spec, loaded as the engine's LoadedTransformer named as the pipeline names it
 * ('transformer', 'transformer_2'), in memory: an imported package's transformer without writing
 * a package.
 */
export async function cutWanTransformer(file: string, name: string): Promise<LoadedTransformer> {
  const bytes = readFileSync(file)
  const cut = cutTransformer(bytes, onnx.ModelProto.decode(bytes), file, WAN_GRAPH)
  if (cut.lists.length !== 1) throw new Error(`${file}: ${cut.lists.length} block lists, Wan has one`)
  const [list] = cut.lists
  const blocks: BlockSource[] = cut.graphs.blocks.map((g, k) => ({
    file: `${name}/${list.name}_${k}.onnx`,
    bytes: encodeModel(g),
    model: g
  }))
  const manifest: TransformerManifest = {
    name,
    timestepRange: [0, 1],
    embed: { file: `${name}/embed.onnx` },
    blockLists: [{ name: list.name, pattern: list.pattern, blocks: blocks.map((b) => b.file) }],
    final: { file: `${name}/final.onnx` }
  }
  const make = () => [
    new BlockProgram(name, list.name, list.pattern, blocks, 'cpu', { intraOpThreads: 0 }, 'segments', {
      embed: cut.graphs.embed,
      final: cut.graphs.final
    })
  ]
  const embed = await Session.create(encodeModel(cut.graphs.embed), `${name}/embed.onnx`, 'cpu')
  const final = await Session.create(encodeModel(cut.graphs.final), `${name}/final.onnx`, 'cpu')
  return new LoadedTransformer(manifest, embed, final, make)
}
