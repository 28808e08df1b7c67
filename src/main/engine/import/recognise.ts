import { createHash } from 'node:crypto'
import { lstat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { z } from 'zod'
import {
  FlowMatchSchedulerConfigSchema,
  FluxTransformerConfigSchema,
  VaeConfigSchema,
  type FlowMatchSchedulerConfig,
  type FluxTransformerConfig,
  type VaeConfig
} from '../../../shared/imported-manifest'
import { EngineFailure } from '../errors'
import {
  graphInputNames,
  graphOutputNames,
  toNumber,
  tryDecodeModel,
  type ModelProto
} from '../model/onnx-graph'
import { readRegularFile } from '../model/safe-read'
import { checkExternalData, type ExternalFile } from './external-data'
import { DT } from './graph-index'

/**
 * Recognises an ONNX diffusers folder (optimum-onnx layout) and checks every component before
 * anything is cut: model_index.json's pipeline class, each component's files and config, the IR
 * version and opsets onnxruntime-node 1.30 loads, the inputs and outputs the family needs, the
 * tokenizers, and every external-data file's length. Each refusal is one line naming the file.
 * Only the graphs (protobuf without external data) are read; weights are stat'ed, never read.
 */

/** Measured with onnxruntime-node 1.30.0: IR 13 loads, 14 is refused; ai.onnx opset 26 loads, 27 is refused. */
export const MAX_IR_VERSION = 13
export const MAX_OPSET = 26
/** protobuf cannot parse a message of 2 GiB or more. */
const GRAPH_BYTES = 2 ** 31 - 1
const TEXT_BYTES = 256 * 1024 * 1024

export interface SourceFile {
  size: number
  mtimeMs: number
}

export interface RecognisedGraph {
  /** Relative to the folder, e.g. `transformer/model.onnx`. */
  file: string
  model: ModelProto
  bytes: Uint8Array
  /** Folder (relative) its external data resolves in, when it has any. */
  externalDataDir?: string
  external: ExternalFile[]
  fp16: boolean
}

export interface RecognisedFlux {
  dir: string
  modelIndexSha256: string
  transformer: RecognisedGraph
  textEncoder: RecognisedGraph
  textEncoder2: RecognisedGraph
  vaeDecoder: RecognisedGraph
  tokenizers: {
    tokenizer: { file: string; maxLength: number }
    tokenizer_2: { file: string; maxLength: number }
  }
  scheduler: FlowMatchSchedulerConfig
  vae: VaeConfig & { sample_size?: number }
  transformerConfig: FluxTransformerConfig
  /** Every source file the package will use, with the size and mtime it had now. */
  sourceFiles: Record<string, SourceFile>
}

const PIPELINES = ['FluxPipeline']

export type Progress = (line: string) => void

export async function recogniseFolder(
  folder: string,
  progress: Progress = () => undefined
): Promise<RecognisedFlux> {
  const dir = resolve(folder)
  const sourceFiles: Record<string, SourceFile> = {}
  const read = async (file: string, maxBytes: number): Promise<Uint8Array> => {
    let bytes: Uint8Array
    try {
      bytes = await readRegularFile(join(dir, file), { maxBytes, label: file, root: dir })
    } catch (e) {
      if (e instanceof EngineFailure && e.code === 'model_not_found')
        throw new EngineFailure('model_invalid', `${file}: missing (not in ${dir})`)
      throw e
    }
    sourceFiles[file] = { size: bytes.length, mtimeMs: (await lstat(join(dir, file))).mtimeMs }
    return bytes
  }
  const json = async (file: string): Promise<unknown> => {
    const text = new TextDecoder().decode(await read(file, TEXT_BYTES))
    try {
      return JSON.parse(text)
    } catch (e) {
      throw new EngineFailure('model_invalid', `${file}: not valid JSON (${(e as Error).message})`)
    }
  }
  const parse = <T extends z.ZodType>(file: string, schema: T, value: unknown, what: string): z.infer<T> => {
    const r = schema.safeParse(value)
    if (!r.success) {
      const issue = r.error.issues[0]
      const field = issue.path.join('.') || '(root)'
      throw new EngineFailure('model_invalid', `${file}: ${what}: ${field}: ${issue.message}`)
    }
    return r.data
  }

  const indexBytes = await read('model_index.json', TEXT_BYTES)
  let index: Record<string, unknown>
  try {
    index = JSON.parse(new TextDecoder().decode(indexBytes)) as Record<string, unknown>
  } catch (e) {
    throw new EngineFailure('model_invalid', `model_index.json: not valid JSON (${(e as Error).message})`)
  }
  const pipeline = typeof index?._class_name === 'string' ? index._class_name : String(index?._class_name)
  if (!PIPELINES.includes(pipeline)) {
    throw new EngineFailure(
      'model_invalid',
      `model_index.json: pipeline "${pipeline}" is not supported (supported: ${PIPELINES.join(', ')})`
    )
  }
  progress(`recognised ${pipeline} in ${dir}`)

  const schedulerRaw = (await json('scheduler/scheduler_config.json')) as Record<string, unknown>
  const schedulerClass = String(schedulerRaw?._class_name)
  if (schedulerClass !== 'FlowMatchEulerDiscreteScheduler') {
    throw new EngineFailure(
      'model_invalid',
      `scheduler/scheduler_config.json: scheduler "${schedulerClass}" is not supported (FluxPipeline: FlowMatchEulerDiscreteScheduler)`
    )
  }
  const scheduler = parse(
    'scheduler/scheduler_config.json',
    FlowMatchSchedulerConfigSchema,
    schedulerRaw,
    'scheduler config'
  )
  const transformerConfig = parse(
    'transformer/config.json',
    FluxTransformerConfigSchema,
    await json('transformer/config.json'),
    'transformer config'
  )
  const vaeRaw = (await json('vae_decoder/config.json')) as Record<string, unknown>
  const vae = {
    ...parse('vae_decoder/config.json', VaeConfigSchema, vaeRaw, 'VAE config'),
    ...(typeof vaeRaw.sample_size === 'number' ? { sample_size: vaeRaw.sample_size } : {})
  }
  for (const c of ['text_encoder', 'text_encoder_2']) await json(`${c}/config.json`)

  const tokenizer = async (name: 'tokenizer' | 'tokenizer_2') => {
    const file = `${name}/tokenizer.json`
    const parsed = (await json(file)) as Record<string, unknown>
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.model !== 'object')
      throw new EngineFailure('model_invalid', `${file}: not a tokenizers tokenizer.json (no "model")`)
    const config = (await json(`${name}/tokenizer_config.json`)) as Record<string, unknown>
    const maxLength = Number(config?.model_max_length)
    if (!Number.isInteger(maxLength) || maxLength <= 0 || maxLength > 1 << 20)
      throw new EngineFailure(
        'model_invalid',
        `${name}/tokenizer_config.json: model_max_length must be a positive integer`
      )
    return { file, maxLength }
  }
  const tokenizers = { tokenizer: await tokenizer('tokenizer'), tokenizer_2: await tokenizer('tokenizer_2') }

  const graph = async (component: string, inputs: string[], outputs: string[]): Promise<RecognisedGraph> => {
    const file = `${component}/model.onnx`
    progress(`checking ${file}`)
    const bytes = await read(file, GRAPH_BYTES)
    const decoded = tryDecodeModel(bytes)
    if ('error' in decoded)
      throw new EngineFailure('model_invalid', `${file}: truncated or not an ONNX model (${decoded.error})`)
    const model = decoded.model
    const ir = toNumber(model.irVersion)
    if (ir > MAX_IR_VERSION)
      throw new EngineFailure(
        'model_invalid',
        `${file}: ONNX IR version ${ir} is newer than onnxruntime-node 1.30 loads (at most ${MAX_IR_VERSION}); re-export with an older onnx package or opset`
      )
    for (const o of model.opsetImport ?? []) {
      const domain = o.domain ?? ''
      if ((domain === '' || domain === 'ai.onnx') && toNumber(o.version) > MAX_OPSET)
        throw new EngineFailure(
          'model_invalid',
          `${file}: opset ${toNumber(o.version)} is newer than onnxruntime-node 1.30 runs (at most ${MAX_OPSET})`
        )
    }
    const g = model.graph ?? {}
    const bf16 =
      (g.initializer ?? []).some((t) => t.dataType === DT.BFLOAT16) ||
      [...(g.input ?? []), ...(g.output ?? [])].some((v) => v.type?.tensorType?.elemType === DT.BFLOAT16)
    if (bf16)
      throw new EngineFailure(
        'model_invalid',
        `${file}: bfloat16 graph; onnxruntime-node has no bfloat16 tensors (export it in fp16 or fp32)`
      )
    const has = graphInputNames(model)
    const missingIn = inputs.filter((n) => !has.includes(n))
    if (missingIn.length > 0)
      throw new EngineFailure(
        'model_invalid',
        `${file}: lacks input ${missingIn.map((n) => `"${n}"`).join(', ')} (has ${has.join(', ') || 'none'})`
      )
    const outs = graphOutputNames(model)
    const missingOut = outputs.filter((n) => !outs.includes(n))
    if (missingOut.length > 0)
      throw new EngineFailure(
        'model_invalid',
        `${file}: lacks output ${missingOut.map((n) => `"${n}"`).join(', ')} (has ${outs.join(', ') || 'none'})`
      )
    const external = await checkExternalData(g, join(dir, component), file)
    for (const x of external) sourceFiles[`${component}/${x.location}`] = { size: x.size, mtimeMs: x.mtimeMs }
    const floats = (g.initializer ?? []).filter((t) => t.dataType === DT.FLOAT || t.dataType === DT.FLOAT16)
    const fp16 = floats.filter((t) => t.dataType === DT.FLOAT16).length > floats.length / 2
    return {
      file,
      model,
      bytes,
      external,
      fp16,
      ...(external.length > 0 ? { externalDataDir: component } : {})
    }
  }
  const transformerInputs = [
    'hidden_states',
    'encoder_hidden_states',
    'pooled_projections',
    'timestep',
    'img_ids',
    'txt_ids'
  ]
  if (transformerConfig.guidance_embeds) transformerInputs.push('guidance')
  const transformer = await graph('transformer', transformerInputs, [])
  if (graphOutputNames(transformer.model).length !== 1)
    throw new EngineFailure(
      'model_invalid',
      `${transformer.file}: expected one output (the predicted velocity)`
    )
  const textEncoder = await graph('text_encoder', ['input_ids'], ['pooler_output'])
  const textEncoder2 = await graph('text_encoder_2', ['input_ids'], ['last_hidden_state'])
  const vaeDecoder = await graph('vae_decoder', ['latent_sample'], ['sample'])
  return {
    dir,
    modelIndexSha256: createHash('sha256').update(indexBytes).digest('hex'),
    transformer,
    textEncoder,
    textEncoder2,
    vaeDecoder,
    tokenizers,
    scheduler,
    vae,
    transformerConfig,
    sourceFiles
  }
}
