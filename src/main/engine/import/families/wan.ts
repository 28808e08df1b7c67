import { z } from 'zod'
import { EngineFailure } from '../../errors'
import type { Session } from '../../model/session'
import { TokenizerConfigSchema } from '../../pipeline/folder-tokenizer'
import { UniPCSchedulerConfigSchema } from '../../pipeline/schedulers/unipc'
import {
  WanPipelineIndexSchema,
  WanTransformerConfigSchema,
  WanVaeConfigSchema
} from '../../pipeline/wan/configs'
import { wanDefaults } from '../../pipeline/wan/defaults'
import { readWanConfigs } from '../../pipeline/wan/folder'
import type { WanModel } from '../../pipeline/wan/model'
import { WAN_GRAPH } from './graph-specs'
import { graphInputs, SIZE_FIELDS, storedConfigs, textModelFields, type TextImportParts } from './model-parts'
import type { FamilyImportSpec } from './types'
import { wanShape } from '../../pipeline/wan/shape'

/**
 * The Wan family of the importer (WanPipeline folders: Wan 2.1 with one transformer, Wan 2.2 with
 * `transformer` + `transformer_2`): what to recognise in the folder, how its transformer graphs
 * are cut, what the package keeps of its configs, and how a loaded package becomes the Wan
 * pipeline's model.
 *
 * Cut (WAN_GRAPH, graph-specs.ts): CacheDiT's Wan adapter caches `transformer.blocks` (and
 * `transformer_2.blocks`) as ForwardPattern.Pattern_2: every block reads the condition embedder's
 * projected text states and returns the hidden stream only.
 */

export const WAN_CLASS = 'WanPipeline'

const ShapeSchema = z
  .object({
    ...SIZE_FIELDS,
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

/**
 * The importer's view of the family (families/types.ts): a WanPipeline folder's components (the
 * VAE decoder optional: TorchScript cannot export Wan's), its tokenizer, its one or two
 * transformers, the cut spec and what model.json keeps of the configs.
 */
export const WAN_FAMILY: FamilyImportSpec = {
  family: 'wan',
  label: 'Wan',
  pipelines: [WAN_CLASS],
  kind: 'video',
  schedulers: ['UniPCMultistepScheduler'],
  components: () => [
    { name: 'text_encoder', inputs: ['input_ids', 'attention_mask'], outputs: ['last_hidden_state'] },
    { name: 'vae_decoder', inputs: ['latent_sample'], outputs: ['sample'], optional: true }
  ],
  tokenizers: () => [{ name: 'tokenizer' }],
  async transformers(folder) {
    const index = WanPipelineIndexSchema.safeParse(folder.index)
    const inputs = ['hidden_states', 'timestep', 'encoder_hidden_states']
    const ratio = index.success ? index.data.boundary_ratio : null
    // Informational: the pipeline switches experts on the integer timestep (pipeline/wan/denoise.ts).
    if (ratio === null)
      return [{ name: 'transformer', component: 'transformer', timestepRange: [0, 1], inputs }]
    return [
      { name: 'transformer', component: 'transformer', timestepRange: [ratio, 1], inputs },
      { name: 'transformer_2', component: 'transformer_2', timestepRange: [0, ratio], inputs }
    ]
  },
  cut: WAN_GRAPH,
  async readConfigs(folder, graphs) {
    const c = await readWanConfigs(
      folder.dir,
      (rel) => folder.json(rel),
      (name) => folder.hasGraph(name)
    )
    await folder.json('text_encoder/config.json')
    const tokenizer = TokenizerConfigSchema.safeParse(await folder.json('tokenizer/tokenizer_config.json'))
    const transformer = graphs.get('transformer')
    if (!transformer) throw new EngineFailure('model_invalid', `${folder.dir}: no transformer graph`)
    const vae = graphs.get('vae_decoder')
    // recognise.ts checked its one input, latent_sample.
    const vaeInput = vae ? (graphInputs(vae.model)[0] ?? null) : null
    const configs: WanImportedConfigs = {
      index: c.index,
      scheduler: c.scheduler,
      vae: c.vae,
      transformer: c.transformer,
      shape: wanShape(c.transformer, c.vae, graphInputs(transformer.model), vaeInput),
      tokenizerMaxLength: tokenizer.success ? tokenizer.data.model_max_length : 512
    }
    return configs
  },
  configSchema: WanImportedConfigsSchema,
  defaults(raw) {
    const c = WanImportedConfigsSchema.parse(raw)
    const d = wanDefaults(c.shape, c.tokenizerMaxLength)
    return {
      defaults: {
        steps: d.steps,
        guidanceScale: d.guidanceScale,
        width: d.width,
        height: d.height,
        frames: d.frames
      },
      sizes: {
        multipleOf: c.shape.multipleOf,
        max: c.shape.max,
        ...(c.shape.fixed ? { fixed: c.shape.fixed } : {})
      }
    }
  },
  promptTokenizer: 'tokenizer',
  describe(raw) {
    const c = WanImportedConfigsSchema.parse(raw)
    const t = c.transformer
    const two = c.index.boundary_ratio !== null
    const experts = two ? ` × 2 experts (boundary ${c.index.boundary_ratio})` : ''
    const fixed = c.shape.fixed
      ? `, static ${c.shape.fixed.width}×${c.shape.fixed.height}×${c.shape.fixedFrames ?? '?'}`
      : ''
    return `Wan ${two ? '2.2' : '2.1'} (${t.num_layers} blocks${experts}, ${t.num_attention_heads}×${t.attention_head_dim} heads)${fixed}`
  }
}

/** What a loaded package hands the Wan family to make its model (the VAE decoder where it has one). */
export type WanImportParts = TextImportParts<Session | null>

/** A loaded Wan package as the pipeline runs it: the transformers cut, so the step cache works. */
export function wanFromImport(parts: WanImportParts): WanModel {
  const c = storedConfigs(WanImportedConfigsSchema, parts.configs, parts.id)
  const names = parts.transformers.map((t) => t.manifest.name)
  const want = c.index.boundary_ratio === null ? ['transformer'] : ['transformer', 'transformer_2']
  if (names.join() !== want.join())
    throw new EngineFailure(
      'model_invalid',
      `${parts.id}: transformers [${names.join(', ')}], a WanPipeline with boundary_ratio ${String(c.index.boundary_ratio)} has [${want.join(', ')}]`
    )
  return {
    ...textModelFields(parts),
    configs: { scheduler: c.scheduler, vae: c.vae, transformer: c.transformer },
    boundaryRatio: c.index.boundary_ratio,
    defaults: wanDefaults(c.shape, c.tokenizerMaxLength),
    shape: c.shape
  }
}
