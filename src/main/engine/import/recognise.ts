import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { lstat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { z } from 'zod'
import { EngineFailure } from '../errors'
import { graphInputNames, graphOutputNames, toNumber, tryDecodeModel } from '../model/onnx-graph'
import { readRegularFile } from '../model/safe-read'
import { parsePythonJson } from '../pipeline/config-json'
import { checkExternalData } from './external-data'
import { FAMILY_SPECS } from './families/index'
import type {
  FamilyDefaults,
  FamilyFolder,
  FamilyImportSpec,
  FamilyTransformer,
  RecognisedGraph
} from './families/types'
import { DT } from './graph-index'

/**
 * Recognises an ONNX diffusers folder (optimum-onnx layout) and checks every component before
 * anything is cut: model_index.json's pipeline class (which family: families/index.ts), each
 * component's files and config, the IR version and opsets onnxruntime-node 1.30 loads, the inputs
 * and outputs the family needs (its FamilyImportSpec), the tokenizers, and every external-data
 * file's length. Each refusal is one line naming the file. Only the graphs (protobuf without
 * external data) are read; weights are stat'ed, never read.
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

export type { RecognisedGraph }

export interface RecognisedFolder {
  dir: string
  spec: FamilyImportSpec
  /** The class the folder was recognised by (model_index.json's pipeline, or its transformer's). */
  pipeline: string
  modelIndexSha256: string
  /** Component graphs besides the transformers, by name (optional ones only where present). */
  components: Map<string, RecognisedGraph>
  transformers: { spec: FamilyTransformer; graph: RecognisedGraph }[]
  tokenizers: Record<string, { file: string; maxLength: number }>
  /** The family's configs as its schema parsed them. */
  configs: Record<string, unknown>
  defaults: FamilyDefaults
  /** Every source file the package will use, with the size and mtime it had now. */
  sourceFiles: Record<string, SourceFile>
}

export type Progress = (line: string) => void

export async function recogniseFolder(
  folder: string,
  progress: Progress = () => undefined
): Promise<RecognisedFolder> {
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
  // Python's json (diffusers' configs) writes -inf as -Infinity: PixArt's lambda_min_clipped.
  const parseJson = (file: string, bytes: Uint8Array): unknown =>
    parsePythonJson(new TextDecoder().decode(bytes), file)
  const jsonFiles = new Map<string, Promise<unknown>>()
  const json = (file: string): Promise<unknown> => {
    let v = jsonFiles.get(file)
    if (!v) {
      v = read(file, TEXT_BYTES).then((bytes) => parseJson(file, bytes))
      jsonFiles.set(file, v)
    }
    return v
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

  const { spec, pipeline, index, indexBytes } = await recogniseFamily(dir, read, parseJson)
  progress(`recognised ${pipeline} in ${dir}`)
  const hasGraph = (component: string) => existsSync(join(dir, component, 'model.onnx'))
  const family: FamilyFolder = { dir, index, hasGraph, json }

  const schedulerRaw = (await json('scheduler/scheduler_config.json')) as Record<string, unknown>
  const schedulerClass = String(schedulerRaw?._class_name)
  if (!spec.schedulers.includes(schedulerClass)) {
    throw new EngineFailure(
      'model_invalid',
      `scheduler/scheduler_config.json: scheduler "${schedulerClass}" is not supported (${pipeline}: ${spec.schedulers.join(', ')})`
    )
  }

  const tokenizer = async (name: string) => {
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
  const tokenizers: Record<string, { file: string; maxLength: number }> = {}
  for (const t of spec.tokenizers(family)) {
    if (t.optional && !existsSync(join(dir, t.name, 'tokenizer.json'))) continue
    tokenizers[t.name] = await tokenizer(t.name)
  }

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
  const components = new Map<string, RecognisedGraph>()
  for (const c of spec.components(family)) {
    if (c.optional && !hasGraph(c.name)) {
      progress(`${c.name}/model.onnx: absent (optional)`)
      continue
    }
    components.set(c.name, await graph(c.name, [...c.inputs], [...c.outputs]))
  }
  const transformers: RecognisedFolder['transformers'] = []
  for (const t of await spec.transformers(family)) {
    const g = await graph(t.component, [...t.inputs], [])
    if (graphOutputNames(g.model).length !== 1)
      throw new EngineFailure('model_invalid', `${g.file}: expected one output (the model's prediction)`)
    transformers.push({ spec: t, graph: g })
  }
  const graphs = new Map([...components, ...transformers.map((t) => [t.spec.component, t.graph] as const)])
  const configs = parse(
    `${spec.label} configs`,
    spec.configSchema,
    await spec.readConfigs(family, graphs),
    'config'
  ) as Record<string, unknown>
  return {
    dir,
    spec,
    pipeline,
    modelIndexSha256: createHash('sha256').update(indexBytes).digest('hex'),
    components,
    transformers,
    tokenizers,
    configs,
    defaults: spec.defaults(configs),
    sourceFiles
  }
}

/**
 * The family of a folder: by model_index.json's pipeline class, or, in a folder without one (a
 * transformer-only export), by transformer/config.json's class.
 */
async function recogniseFamily(
  dir: string,
  read: (file: string, maxBytes: number) => Promise<Uint8Array>,
  parseJson: (file: string, bytes: Uint8Array) => unknown
): Promise<{
  spec: FamilyImportSpec
  pipeline: string
  index: Record<string, unknown>
  indexBytes: Uint8Array
}> {
  const supported = FAMILY_SPECS.flatMap((f) => f.pipelines).join(', ')
  const asObject = (v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
  if (existsSync(join(dir, 'model_index.json')) || !existsSync(join(dir, 'transformer', 'config.json'))) {
    const indexBytes = await read('model_index.json', TEXT_BYTES)
    const index = asObject(parseJson('model_index.json', indexBytes))
    const pipeline = String(index._class_name)
    const spec = FAMILY_SPECS.find((f) => f.pipelines.includes(pipeline))
    if (!spec)
      throw new EngineFailure(
        'model_invalid',
        `model_index.json: pipeline "${pipeline}" is not supported (supported: ${supported})`
      )
    return { spec, pipeline, index, indexBytes }
  }
  const indexBytes = await read('transformer/config.json', TEXT_BYTES)
  const cls = String(asObject(parseJson('transformer/config.json', indexBytes))._class_name)
  const spec = FAMILY_SPECS.find((f) => f.transformerClasses?.includes(cls))
  if (!spec)
    throw new EngineFailure(
      'model_invalid',
      `model_index.json: missing, and transformer "${cls}" is not one imported without it (pipelines supported: ${supported})`
    )
  return { spec, pipeline: cls, index: {}, indexBytes }
}
