import { z } from 'zod'
import { EngineFailure } from '../../errors'
import type { ModelProto } from '../../model/onnx-graph'
import type { Session } from '../../model/session'
import {
  PixArtModelIndexSchema,
  PixArtSchedulerConfigSchema,
  PixArtTransformerConfigSchema,
  PixArtVaeConfigSchema
} from '../../pipeline/pixart/configs'
import { checkSchema } from '../../pipeline/config-json'
import { TokenizerConfigSchema } from '../../pipeline/folder-tokenizer'
import { pixartDefaults } from '../../pipeline/pixart/defaults'
import type { PixArtModel, PixArtShape } from '../../pipeline/pixart/model'
import { pixartShape } from '../../pipeline/pixart/shape'
import { PIXART_MAX_SEQUENCE_LENGTH } from '../../pipeline/pixart/whole-graph'
import { unsupportedDPMSolverField } from '../../pipeline/schedulers/dpm-solver'
import { PIXART_GRAPH } from './graph-specs'
import {
  graphInputs,
  oneTransformer,
  SIZE_FIELDS,
  storedConfigs,
  textModelFields,
  type TextImportParts
} from './model-parts'
import type { FamilyImportSpec } from './types'

/**
 * The PixArt-Σ family of the importer (PixArtSigmaPipeline folders): what the package keeps of
 * the folder's configs, the cut of its transformer, its defaults and sizes, and how a loaded
 * package becomes the PixArt pipeline's model.
 *
 * Cut: CacheDiT's PixArt adapter caches `transformer.transformer_blocks` as ForwardPattern.Pattern_3:
 * the blocks carry the hidden stream only; the caption projection's text states and the attention
 * mask's bias are made once before block 0 and read by every block's cross-attention as context
 * tensors, as is adaLN-single's timestep embedding.
 *
 * Sizes: the graph's input shapes decide (pipeline/pixart/shape.ts). The fixtures' exports are
 * static (TorchScript and dynamo alike): such a package makes its one size at its one batch (2,
 * CFG's [uncond, cond]) and text length, and the generate view offers that size only.
 */

export const PIXART_CLASS = 'PixArtSigmaPipeline'

const ShapeSchema = z
  .object({
    ...SIZE_FIELDS,
    fixedBatch: z.number().int().positive().nullable(),
    fixedTextLength: z.number().int().positive().nullable()
  })
  .strict()

/** What an imported PixArt package keeps of its folder's configs (manifest `configs`). */
export const PixArtImportedConfigsSchema = z
  .object({
    index: PixArtModelIndexSchema,
    scheduler: PixArtSchedulerConfigSchema,
    vae: PixArtVaeConfigSchema,
    transformer: PixArtTransformerConfigSchema,
    shape: ShapeSchema,
    tokenizerMaxLength: z.number().positive()
  })
  .strict()
export type PixArtImportedConfigs = z.infer<typeof PixArtImportedConfigsSchema>

/**
 * The package's configs from the folder's JSON files (model_index.json, scheduler_config.json —
 * read with Python's -Infinity, pipeline/config-json.ts —, the VAE's and transformer's
 * config.json, tokenizer_config.json) and the transformer graph's input shapes; refuses a
 * scheduler option the DPM-Solver does not implement, by name.
 */
export function pixartImportConfigs(
  raw: {
    index: unknown
    scheduler: unknown
    vae: unknown
    transformer: unknown
    tokenizerMaxLength: number
  },
  transformerGraph: ModelProto,
  label: string
): PixArtImportedConfigs {
  const parse = <T>(schema: z.ZodType<T>, value: unknown, file: string): T =>
    checkSchema(schema, value, `${label}/${file}`)
  const index = parse(PixArtModelIndexSchema, raw.index, 'model_index.json')
  const scheduler = parse(PixArtSchedulerConfigSchema, raw.scheduler, 'scheduler/scheduler_config.json')
  const unsupported = unsupportedDPMSolverField(scheduler)
  if (unsupported)
    throw new EngineFailure('model_invalid', `${label}/scheduler/scheduler_config.json: ${unsupported}`)
  const vae = parse(PixArtVaeConfigSchema, raw.vae, 'vae_decoder/config.json')
  const transformer = parse(PixArtTransformerConfigSchema, raw.transformer, 'transformer/config.json')
  const shape = pixartShape(
    graphInputs(transformerGraph),
    { scheduler, vae, transformer },
    `${label}/transformer/model.onnx`
  )
  return {
    index,
    scheduler,
    vae,
    transformer,
    shape,
    tokenizerMaxLength: Math.min(raw.tokenizerMaxLength, PIXART_MAX_SEQUENCE_LENGTH)
  }
}

/** The sizes a request may ask for: the one a static graph makes, or multiples up to max. */
export function pixartSizes(shape: PixArtShape): {
  multipleOf: number
  max: number
  fixed?: { width: number; height: number }
} {
  return shape.fixed
    ? { multipleOf: shape.multipleOf, max: shape.max, fixed: shape.fixed }
    : { multipleOf: shape.multipleOf, max: shape.max }
}

/** What a loaded package hands the PixArt family to make its model. */
export type PixArtImportParts = TextImportParts<Session>

/** A loaded PixArt package as the pipeline runs it: the transformer cut, so the step cache works. */
export function pixartFromImport(parts: PixArtImportParts): PixArtModel {
  const c = storedConfigs(PixArtImportedConfigsSchema, parts.configs, parts.id)
  if (parts.transformers.length !== 1 || parts.transformers[0].manifest.name !== 'transformer')
    throw new EngineFailure(
      'model_invalid',
      `${parts.id}: transformers [${parts.transformers.map((t) => t.manifest.name).join(', ')}], a PixArtSigmaPipeline has [transformer]`
    )
  return {
    ...textModelFields(parts),
    configs: { scheduler: c.scheduler, vae: c.vae, transformer: c.transformer },
    defaults: pixartDefaults(c),
    shape: c.shape,
    transformer: parts.transformers[0]
  }
}

/** The importer's PixArt-Σ family (families/index.ts lists it). */
export const PIXART_FAMILY: FamilyImportSpec = {
  family: 'pixart',
  label: 'PixArt-Σ',
  pipelines: [PIXART_CLASS],
  kind: 'image',
  schedulers: ['DPMSolverMultistepScheduler'],
  components: () => [
    { name: 'text_encoder', inputs: ['input_ids', 'attention_mask'], outputs: ['last_hidden_state'] },
    { name: 'vae_decoder', inputs: ['latent_sample'], outputs: ['sample'] }
  ],
  tokenizers: () => [{ name: 'tokenizer' }],
  transformers: () => oneTransformer(PIXART_GRAPH),
  cut: PIXART_GRAPH,
  async readConfigs(folder, graphs) {
    const graph = graphs.get('transformer')
    if (!graph) throw new EngineFailure('model_invalid', `${folder.dir}: no transformer/model.onnx`)
    const tokenizerConfig = TokenizerConfigSchema.safeParse(
      await folder.json('tokenizer/tokenizer_config.json')
    )
    if (!tokenizerConfig.success)
      throw new EngineFailure(
        'model_invalid',
        `${folder.dir}/tokenizer/tokenizer_config.json: no model_max_length`
      )
    return pixartImportConfigs(
      {
        index: folder.index,
        scheduler: await folder.json('scheduler/scheduler_config.json'),
        vae: await folder.json('vae_decoder/config.json'),
        transformer: await folder.json('transformer/config.json'),
        tokenizerMaxLength: tokenizerConfig.data.model_max_length
      },
      graph.model,
      folder.dir
    )
  },
  configSchema: PixArtImportedConfigsSchema,
  defaults(raw) {
    const c = PixArtImportedConfigsSchema.parse(raw)
    const d = pixartDefaults(c)
    return {
      defaults: { steps: d.steps, guidanceScale: d.guidanceScale, width: d.width, height: d.height },
      sizes: pixartSizes(c.shape)
    }
  },
  promptTokenizer: 'tokenizer',
  describe(raw) {
    const c = PixArtImportedConfigsSchema.parse(raw)
    const t = c.transformer
    const size = c.shape.fixed
      ? `, static ${c.shape.fixed.width}×${c.shape.fixed.height} at batch ${c.shape.fixedBatch ?? '?'}`
      : ''
    return `PixArt-Σ (${t.num_layers} transformer_blocks, patch ${t.patch_size}${size})`
  }
}
