import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { z } from 'zod'
import { EngineFailure } from '../../errors'
import { checkSchema, parseJson, readFolderText } from '../config-json'
import { TokenizerConfigSchema } from '../folder-tokenizer'
import {
  unsupportedUniPCField,
  UniPCSchedulerConfigSchema,
  type UniPCSchedulerConfig
} from '../schedulers/unipc'
import {
  unsupportedWanField,
  WanPipelineIndexSchema,
  WanTransformerConfigSchema,
  WanVaeConfigSchema,
  type WanPipelineIndex,
  type WanTransformerConfig,
  type WanVaeConfig
} from './configs'

/**
 * The JSON files of an ONNX WanPipeline folder (optimum-onnx layout), read through the safe
 * reader and validated: what both the whole-graph loader and the importer need before any graph.
 */

export interface WanFolder {
  index: WanPipelineIndex
  scheduler: UniPCSchedulerConfig
  vae: WanVaeConfig
  transformer: WanTransformerConfig
  /** The transformer folders: ['transformer'] or ['transformer', 'transformer_2']. */
  transformerDirs: string[]
  tokenizerJson: string
  tokenizerConfigJson: string
  tokenizerMaxLength: number
  /** Whether vae_decoder/model.onnx is there (the fixtures' TorchScript exports have none). */
  hasVaeDecoder: boolean
}

/** Reads one of the folder's JSON files (already parsed). */
export type JsonReader = (rel: string) => Promise<unknown>

/**
 * The configs of a WanPipeline folder, validated and checked against what the pipeline
 * implements: `json` reads a file of the folder, `hasGraph` says whether `<component>/model.onnx`
 * is there. Shared by the whole-graph loader and the importer (families/wan.ts).
 */
export async function readWanConfigs(
  dir: string,
  json: JsonReader,
  hasGraph: (component: string) => boolean
): Promise<Omit<WanFolder, 'tokenizerJson' | 'tokenizerConfigJson' | 'tokenizerMaxLength'>> {
  const parse = async <T>(rel: string, schema: z.ZodType<T>): Promise<T> =>
    checkSchema(schema, await json(rel), join(dir, rel))
  const index = await parse('model_index.json', WanPipelineIndexSchema)
  const scheduler = await parse('scheduler/scheduler_config.json', UniPCSchedulerConfigSchema)
  const unsupportedScheduler = unsupportedUniPCField(scheduler)
  if (unsupportedScheduler)
    throw new EngineFailure(
      'model_invalid',
      `${join(dir, 'scheduler/scheduler_config.json')}: UniPCMultistepScheduler with ${unsupportedScheduler}`
    )
  const vae = await parse('vae_decoder/config.json', WanVaeConfigSchema)
  const transformer = await parse('transformer/config.json', WanTransformerConfigSchema)
  const second = index.transformer_2?.[0] != null
  if (second !== (index.boundary_ratio !== null))
    throw new EngineFailure(
      'model_invalid',
      `${join(dir, 'model_index.json')}: ${second ? 'transformer_2 without boundary_ratio' : 'boundary_ratio without transformer_2'} (Wan 2.2 needs both)`
    )
  const transformerDirs = second ? ['transformer', 'transformer_2'] : ['transformer']
  if (second) {
    const t2 = await parse('transformer_2/config.json', WanTransformerConfigSchema)
    if (t2.in_channels !== transformer.in_channels || t2.patch_size.join() !== transformer.patch_size.join())
      throw new EngineFailure(
        'model_invalid',
        `${join(dir, 'transformer_2/config.json')}: in_channels or patch_size differ from transformer's`
      )
  }
  const unsupported = unsupportedWanField(index, transformer, vae)
  if (unsupported) throw new EngineFailure('model_invalid', `${dir}: ${unsupported}`)
  return { index, scheduler, vae, transformer, transformerDirs, hasVaeDecoder: hasGraph('vae_decoder') }
}

export async function readWanFolder(dir: string): Promise<WanFolder> {
  const text = (rel: string) => readFolderText(dir, rel)
  const json = async (rel: string): Promise<unknown> => parseJson(await text(rel), join(dir, rel))
  const configs = await readWanConfigs(dir, json, (c) => existsSync(join(dir, c, 'model.onnx')))
  const tokenizerConfigJson = await text('tokenizer/tokenizer_config.json')
  const tokenizerConfig = checkSchema(
    TokenizerConfigSchema,
    parseJson(tokenizerConfigJson, join(dir, 'tokenizer/tokenizer_config.json')),
    join(dir, 'tokenizer/tokenizer_config.json')
  )
  return {
    ...configs,
    tokenizerJson: await text('tokenizer/tokenizer.json'),
    tokenizerConfigJson,
    tokenizerMaxLength: tokenizerConfig.model_max_length
  }
}
