import { z } from 'zod'
import {
  QwenImageSchedulerConfigSchema,
  QwenImageTransformerConfigSchema
} from '../../pipeline/qwen-image/configs'
import { QWEN_EMBEDS_NOTE, qwenDefaultSize, type QwenImageModel } from '../../pipeline/qwen-image/model'
import { QwenImageVaeConfigSchema } from '../../pipeline/qwen-image/vae'
import { qwenImageShape } from '../../pipeline/qwen-image/whole-graph'
import type { LoadedImport } from '../loaded-import'
import { QWEN_IMAGE_GRAPH } from './graph-specs'
import { graphInputs, oneTransformer, oneTransformerFields, storedConfigs } from './model-parts'
import type { FamilyImportSpec } from './types'

/**
 * Qwen-Image (QwenImageTransformer2DModel): the transformer alone. Its Qwen2.5-VL text encoder
 * has no graph in the folder, so the package needs precomputed prompt embeddings
 * (pipeline/qwen-image/embeds.ts) — the model card says so. The graph is exported with diffusers'
 * real-valued RoPE for one latent grid (img_shapes baked in), so its token count is fixed; the
 * shape read from its inputs is kept in the package's configs. One list of dual-stream blocks
 * (CacheDiT: Pattern_1; the last block returns no encoder stream), the text mask as `text_mask`.
 */

const ShapeSchema = z
  .object({
    fixedBatch: z.number().int().positive().nullable(),
    imageTokens: z.number().int().positive(),
    channels: z.number().int().positive(),
    fixedTextLength: z.number().int().positive().nullable()
  })
  .strict()

/** What a Qwen-Image package keeps of its folder's configs (manifest `configs`). */
export const QwenImageConfigsSchema = z
  .object({
    scheduler: QwenImageSchedulerConfigSchema,
    transformer: QwenImageTransformerConfigSchema,
    shape: ShapeSchema,
    /** vae_decoder/config.json where the folder has a VAE decoder graph (null: latents only). */
    vae: QwenImageVaeConfigSchema.nullable().default(null)
  })
  .strict()
export type QwenImageImportedConfigs = z.infer<typeof QwenImageConfigsSchema>

function qwenDefaults(c: QwenImageImportedConfigs) {
  const size = qwenDefaultSize(c.shape.imageTokens)
  return {
    // QwenImagePipeline's defaults: 50 steps, true_cfg_scale 4.
    defaults: { steps: 50, guidanceScale: 4, ...size },
    sizes: { multipleOf: 16, max: Math.max(size.width, size.height), fixed: size }
  }
}

export const QWEN_IMAGE_FAMILY: FamilyImportSpec = {
  family: 'qwen-image',
  label: 'Qwen-Image',
  pipelines: ['QwenImagePipeline'],
  transformerClasses: ['QwenImageTransformer2DModel'],
  kind: 'image',
  schedulers: ['FlowMatchEulerDiscreteScheduler'],
  components: () => [{ name: 'vae_decoder', inputs: ['latent_sample'], outputs: ['sample'], optional: true }],
  tokenizers: () => [],
  transformers: () => oneTransformer(QWEN_IMAGE_GRAPH),
  cut: QWEN_IMAGE_GRAPH,
  async readConfigs(folder, graphs) {
    const scheduler = await folder.json('scheduler/scheduler_config.json')
    const transformer = await folder.json('transformer/config.json')
    const vae = folder.hasGraph('vae_decoder') ? await folder.json('vae_decoder/config.json') : null
    const graph = graphs.get('transformer')
    const s = QwenImageSchedulerConfigSchema.safeParse(scheduler)
    const t = QwenImageTransformerConfigSchema.safeParse(transformer)
    // Invalid configs are kept as read: configSchema refuses them by name.
    if (!graph || !s.success || !t.success) return { scheduler, transformer, shape: null, vae }
    return {
      scheduler,
      transformer,
      vae,
      shape: qwenImageShape(
        graphInputs(graph.model),
        { scheduler: s.data, transformer: t.data },
        `${folder.dir}/${graph.file}`
      )
    }
  },
  configSchema: QwenImageConfigsSchema,
  defaults: (raw) => qwenDefaults(QwenImageConfigsSchema.parse(raw)),
  // No prompt text: the transformer reads precomputed embeddings.
  promptTokenizer: null,
  describe(raw) {
    const c = QwenImageConfigsSchema.parse(raw)
    return `Qwen-Image (${c.transformer.num_layers} blocks, ${c.shape.imageTokens} image tokens baked in the export); ${QWEN_EMBEDS_NOTE}`
  }
}

/** A loaded Qwen-Image package as the pipeline runs it: the transformer cut, so the step cache works. */
export function qwenImageFromImport(imp: LoadedImport): QwenImageModel {
  const c = storedConfigs(QwenImageConfigsSchema, imp.manifest.configs, imp.dir)
  return {
    ...oneTransformerFields(imp),
    kind: 'image',
    configs: { scheduler: c.scheduler, transformer: c.transformer },
    defaults: { ...qwenDefaults(c).defaults, trueCfgScale: 4 },
    shape: c.shape,
    note: QWEN_EMBEDS_NOTE
  }
}
