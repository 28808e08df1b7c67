import { join } from 'node:path'
import { z } from 'zod'
import type { ConcreteProvider } from '../../../../shared/providers'
import { EngineFailure } from '../../errors'
import type { LoadedTransformer } from '../../model/loaded-model'
import { valueDims, type ModelProto } from '../../model/onnx-graph'
import type { Session, ValueInfo } from '../../model/session'
import type { OneTransformerModel } from '../../pipeline/family-loop'
import { FluxTokenizer } from '../../pipeline/flux/tokenize'
import type { LoadedImport } from '../loaded-import'
import type { FamilyCutSpec, FamilyTransformer } from './types'

/**
 * What the family files share on either side of a package: the graph inputs they read shapes
 * from while importing and the size fields of the shape they keep, and, when a package is loaded, the check of its stored configs and the
 * model fields of a family whose text goes through one tokenizer and text encoder.
 */

/** A graph's inputs with their shapes, as ValueInfo (the type does not matter to a shape). */
export function graphInputs(model: ModelProto): ValueInfo[] {
  return (model.graph?.input ?? []).map((v) => ({
    name: v.name ?? '',
    type: 'float32',
    shape: valueDims(model, 'input', v.name ?? '') ?? []
  }))
}

/**
 * A family's one transformer, `transformer/model.onnx`, serving the whole schedule; it must take
 * the graph inputs the cut's embed names come from (PixArt-Σ, SD3, Qwen-Image).
 */
export function oneTransformer(cut: FamilyCutSpec): FamilyTransformer[] {
  return [
    {
      name: 'transformer',
      component: 'transformer',
      timestepRange: [0, 1],
      inputs: Object.values(cut.inputNames)
    }
  ]
}

/**
 * The sizes a package's graph makes, as the shape in its configs keeps them (PixArt-Σ, Wan):
 * multiples of multipleOf up to max, or the one size a static export fixes.
 */
export const SIZE_FIELDS = {
  multipleOf: z.number().int().positive(),
  max: z.number().int().positive(),
  fixed: z
    .object({ width: z.number().int().positive(), height: z.number().int().positive() })
    .strict()
    .nullable()
}

/**
 * A loaded package's configs (model.json `configs`) checked again by the family's schema: a
 * file edited since the import is refused, naming the first field wrong (`where`: the package).
 */
export function storedConfigs<T>(schema: z.ZodType<T>, configs: unknown, where: string): T {
  const parsed = schema.safeParse(configs)
  if (!parsed.success) {
    const i = parsed.error.issues[0]
    throw new EngineFailure('model_invalid', `${where}: model.json configs.${i.path.join('.')}: ${i.message}`)
  }
  return parsed.data
}

/**
 * A one-transformer family's model fields from a loaded package (SD3, Qwen-Image): its name, and
 * its `transformer` cut, so the step cache works.
 */
export function oneTransformerFields(
  imp: LoadedImport
): Pick<
  OneTransformerModel,
  'id' | 'name' | 'provider' | 'transformer' | 'transformers' | 'cacheable' | 'release'
> {
  const transformer = imp.transformer('transformer')
  return {
    id: imp.manifest.id,
    name: imp.manifest.name,
    provider: imp.provider,
    transformer,
    transformers: [transformer],
    cacheable: true,
    release: () => imp.release()
  }
}

/** What a loaded package hands a family with one tokenizer and text encoder (PixArt-Σ, Wan). */
export interface TextImportParts<Vae extends Session | null> {
  id: string
  name: string
  provider: ConcreteProvider
  /** The package's configs, as stored (validated again by the family). */
  configs: unknown
  textEncoder: Session
  vaeDecoder: Vae
  tokenizerJson: string
  tokenizerConfigJson: string | null
  /** Label for tokenizer errors (the tokenizer.json path). */
  tokenizerLabel: string
  /** The transformers, cut into blocks. */
  transformers: readonly LoadedTransformer[]
  release(): Promise<void>
}

/**
 * Those parts from a loaded package: its manifest's identity and configs, `text_encoder`, the
 * source folder's `tokenizer`, and the VAE decoder and transformers as the family takes them,
 * looked up in that order (a lookup throws naming what the package lacks).
 */
export function textImportParts<Vae extends Session | null>(
  imp: LoadedImport,
  vaeDecoder: () => Vae,
  transformers: () => readonly LoadedTransformer[]
): TextImportParts<Vae> {
  const m = imp.manifest
  return {
    id: m.id,
    name: m.name,
    provider: imp.provider,
    configs: m.configs,
    textEncoder: imp.session('text_encoder'),
    vaeDecoder: vaeDecoder(),
    tokenizerJson: imp.tokenizerJson('tokenizer'),
    tokenizerConfigJson: imp.tokenizerConfigJson('tokenizer'),
    tokenizerLabel: join(m.source.dir, 'tokenizer/tokenizer.json'),
    transformers: transformers(),
    release: () => imp.release()
  }
}

/** The model fields such a family takes from the parts as they are: cut, so the step cache works. */
export function textModelFields<Vae extends Session | null>(parts: TextImportParts<Vae>) {
  return {
    id: parts.id,
    name: parts.name,
    provider: parts.provider,
    tokenizer: new FluxTokenizer(parts.tokenizerJson, parts.tokenizerConfigJson, parts.tokenizerLabel),
    textEncoder: parts.textEncoder,
    vaeDecoder: parts.vaeDecoder,
    transformers: parts.transformers,
    cacheable: true as const,
    release: () => parts.release()
  }
}
