import { join } from 'node:path'
import { z } from 'zod'
import type { ConcreteProvider } from '../../../../shared/providers'
import { EngineFailure } from '../../errors'
import type { LoadedTransformer } from '../../model/loaded-model'
import { tryDecodeModel, valueDims, type ModelProto } from '../../model/onnx-graph'
import { readRegularFile } from '../../model/safe-read'
import type { Session, ValueInfo } from '../../model/session'
import { FluxTokenizer } from '../../pipeline/flux/tokenize'
import { UniPCSchedulerConfigSchema } from '../../pipeline/schedulers/unipc'
import {
  WanPipelineIndexSchema,
  WanTransformerConfigSchema,
  WanVaeConfigSchema
} from '../../pipeline/wan/configs'
import { wanDefaults } from '../../pipeline/wan/defaults'
import { readWanFolder, type WanFolder } from '../../pipeline/wan/folder'
import type { WanModel, WanShape } from '../../pipeline/wan/model'
import { wanShape } from '../../pipeline/wan/shape'

/**
 * The Wan family of the importer (WanPipeline folders: Wan 2.1 with one transformer, Wan 2.2 with
 * `transformer` + `transformer_2`): what to recognise in the folder, how its transformer graphs
 * are cut, what the package keeps of its configs, and how a loaded package becomes the Wan
 * pipeline's model.
 *
 * Cut: CacheDiT's Wan adapter caches `transformer.blocks` (and `transformer_2.blocks`) as
 * ForwardPattern.Pattern_2: the blocks carry the hidden stream; the text states, projected once by
 * the condition embedder, are read by every block's cross-attention as a context tensor.
 */

export const WAN_CLASS = 'WanPipeline'

/** The cut's graph spec: engine names of the embed inputs ← the exporter's. */
export const WAN_GRAPH = {
  hiddenInput: 'hidden_states',
  encoderInput: 'encoder_hidden_states',
  /** Every block reads the embedder's text states; none returns them (Pattern_2). */
  encoderUnchanged: true,
  bothOrder: 'hidden-first',
  streamRank: 3,
  inputNames: {
    latent: 'hidden_states',
    text_hidden: 'encoder_hidden_states',
    timestep: 'timestep'
  },
  pattern: 'Pattern_2',
  blockList: 'blocks'
} as const

const ShapeSchema = z
  .object({
    multipleOf: z.number().int().positive(),
    max: z.number().int().positive(),
    fixed: z
      .object({ width: z.number().int().positive(), height: z.number().int().positive() })
      .strict()
      .nullable(),
    frameStep: z.number().int().positive(),
    maxFrames: z.number().int().positive(),
    fixedFrames: z.number().int().positive().nullable(),
    fixedTextLength: z.number().int().positive().nullable()
  })
  .strict()

/** What an imported Wan package keeps of its folder's configs (manifest `configs`). */
export const WanImportedConfigsSchema = z
  .object({
    index: WanPipelineIndexSchema,
    scheduler: UniPCSchedulerConfigSchema,
    vae: WanVaeConfigSchema,
    transformer: WanTransformerConfigSchema,
    shape: ShapeSchema,
    tokenizerMaxLength: z.number().positive()
  })
  .strict()
export type WanImportedConfigs = z.infer<typeof WanImportedConfigsSchema>

export interface RecognisedWan {
  folder: WanFolder
  configs: WanImportedConfigs
  /** Component graphs the package uses (relative to the folder); vae_decoder only where present. */
  components: { text_encoder: string; vae_decoder: string | null; tokenizer: string }
  /** transformer (and transformer_2): its graph, decoded. */
  transformers: { name: string; file: string; bytes: Uint8Array; model: ModelProto }[]
  /** One line for the package's description. */
  description: string
}

const MAX_GRAPH_BYTES = 2 ** 31 - 1

/** Reads a WanPipeline folder's configs and transformer graphs; refuses what the pipeline cannot run. */
export async function recogniseWan(dir: string): Promise<RecognisedWan> {
  const folder = await readWanFolder(dir)
  const transformers: RecognisedWan['transformers'] = []
  for (const name of folder.transformerDirs) {
    const file = `${name}/model.onnx`
    const bytes = await readRegularFile(join(dir, file), {
      maxBytes: MAX_GRAPH_BYTES,
      root: dir,
      label: file
    })
    const decoded = tryDecodeModel(bytes)
    if ('error' in decoded)
      throw new EngineFailure(
        'model_invalid',
        `${join(dir, file)}: not a readable ONNX model (${decoded.error})`
      )
    transformers.push({ name, file, bytes, model: decoded.model })
  }
  let vaeInput: ValueInfo | null = null
  if (folder.hasVaeDecoder) {
    const file = 'vae_decoder/model.onnx'
    const decoded = tryDecodeModel(
      await readRegularFile(join(dir, file), { maxBytes: MAX_GRAPH_BYTES, root: dir, label: file })
    )
    if ('error' in decoded)
      throw new EngineFailure(
        'model_invalid',
        `${join(dir, file)}: not a readable ONNX model (${decoded.error})`
      )
    const name = decoded.model.graph?.input?.[0]?.name ?? ''
    vaeInput = { name, type: 'float32', shape: valueDims(decoded.model, 'input', name) ?? [] }
  }
  const inputsOf = (m: ModelProto): ValueInfo[] =>
    (m.graph?.input ?? []).map((v) => ({
      name: v.name ?? '',
      type: 'float32',
      shape: valueDims(m, 'input', v.name ?? '') ?? []
    }))
  const shape: WanShape = wanShape(folder.transformer, folder.vae, inputsOf(transformers[0].model), vaeInput)
  const t = folder.transformer
  const experts = transformers.length === 2 ? ` × 2 experts (boundary ${folder.index.boundary_ratio})` : ''
  return {
    folder,
    configs: {
      index: folder.index,
      scheduler: folder.scheduler,
      vae: folder.vae,
      transformer: folder.transformer,
      shape,
      tokenizerMaxLength: folder.tokenizerMaxLength
    },
    components: {
      text_encoder: 'text_encoder/model.onnx',
      vae_decoder: folder.hasVaeDecoder ? 'vae_decoder/model.onnx' : null,
      tokenizer: 'tokenizer/tokenizer.json'
    },
    transformers,
    description: `Wan ${transformers.length === 2 ? '2.2' : '2.1'} (${t.num_layers} blocks${experts}, ${t.num_attention_heads}×${t.attention_head_dim} heads)${shape.fixed ? `, static ${shape.fixed.width}×${shape.fixed.height}×${shape.fixedFrames ?? '?'}` : ''}${folder.hasVaeDecoder ? '' : ', no VAE decoder graph'}`
  }
}

/** What a loaded package hands the Wan family to make its model. */
export interface WanImportParts {
  id: string
  name: string
  provider: ConcreteProvider
  /** The package's configs, as stored (validated again here). */
  configs: unknown
  textEncoder: Session
  vaeDecoder: Session | null
  tokenizerJson: string
  tokenizerConfigJson: string | null
  /** Label for tokenizer errors (the tokenizer.json path). */
  tokenizerLabel: string
  /** transformer (and transformer_2), cut into blocks. */
  transformers: readonly LoadedTransformer[]
  release(): Promise<void>
}

/** A loaded Wan package as the pipeline runs it: the transformers cut, so the step cache works. */
export function wanFromImport(parts: WanImportParts): WanModel {
  const parsed = WanImportedConfigsSchema.safeParse(parts.configs)
  if (!parsed.success) {
    const i = parsed.error.issues[0]
    throw new EngineFailure(
      'model_invalid',
      `${parts.id}: model.json configs.${i.path.join('.')}: ${i.message}`
    )
  }
  const c = parsed.data
  const names = parts.transformers.map((t) => t.manifest.name)
  const want = c.index.boundary_ratio === null ? ['transformer'] : ['transformer', 'transformer_2']
  if (names.join() !== want.join())
    throw new EngineFailure(
      'model_invalid',
      `${parts.id}: transformers [${names.join(', ')}], a WanPipeline with boundary_ratio ${String(c.index.boundary_ratio)} has [${want.join(', ')}]`
    )
  return {
    id: parts.id,
    name: parts.name,
    provider: parts.provider,
    configs: { scheduler: c.scheduler, vae: c.vae, transformer: c.transformer },
    boundaryRatio: c.index.boundary_ratio,
    defaults: wanDefaults(c.shape, c.tokenizerMaxLength),
    shape: c.shape,
    tokenizer: new FluxTokenizer(parts.tokenizerJson, parts.tokenizerConfigJson, parts.tokenizerLabel),
    textEncoder: parts.textEncoder,
    vaeDecoder: parts.vaeDecoder,
    transformers: parts.transformers,
    cacheable: true,
    release: () => parts.release()
  }
}
