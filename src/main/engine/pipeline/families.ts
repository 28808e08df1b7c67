import type { GenerateRequest, GenerationResult } from '../../../shared/generation'
import type { ImportedFamily } from '../../../shared/imported-manifest'
import type { ConcreteProvider } from '../../../shared/providers'
import { EngineFailure } from '../errors'
import { loadImportedModel } from '../import/load-imported'
import type { LoadedImport, LoadImportedOptions } from '../import/loaded-import'
import { readImportedManifest } from '../import/imported-manifest-file'
import type { LoadedTransformer } from '../model/loaded-model'
import { fluxFromImport } from './flux/from-import'
import { runFluxPipeline } from './flux/generate'
import type { PipelineHooks } from './generate'
import { pixartFromLoadedImport } from './pixart/from-import'
import { runQwenImagePipeline } from './qwen-image/generate'
import { qwenImageGenerateFromImport } from './qwen-image/generate-import'
import { runPixArtPipeline } from './pixart/generate'
import { sd3FromImport } from '../import/families/sd3'
import { runSd3Pipeline } from './sd3/generate'
import { wanFromLoadedImport } from './wan/from-import'
import { runWanPipeline } from './wan/generate'

/**
 * The family pipelines an imported package runs on, keyed by its manifest's `family`: the
 * generation thread (thread/entry.ts), the bench (bench/bench-target.ts) and the prompt counter
 * dispatch on it instead of assuming FLUX. docs/model-package.md ("Imported packages") has the
 * contract. Adding a family: its pipeline/<family>/ exports a model satisfying FamilyModel, a
 * fromImport(LoadedImport) and a generate(model, request, hooks); add one entry below.
 */

/** What every family's model offers the callers that do not know the family. */
export interface FamilyModel {
  readonly id: string
  readonly name: string
  readonly provider: ConcreteProvider
  readonly defaults: { steps: number; guidanceScale: number; width: number; height: number; frames?: number }
  /** The cut transformers, in the manifest's order (the bench's per-transformer report). */
  readonly transformers: readonly LoadedTransformer[]
  /** Whether its transformers run through the step cache (false: whole graphs). */
  readonly cacheable: boolean
  release(): Promise<void>
}

export interface ImportedPipeline<M extends FamilyModel = FamilyModel> {
  /** The family's model from a loaded package (its configs checked again by the family's schema). */
  fromImport(imp: LoadedImport): Promise<M>
  generate(model: M, request: GenerateRequest, hooks: PipelineHooks): Promise<GenerationResult>
  /** Whether the block lists form one cache context by default (CacheDiT's FLUX adapter merges them). */
  readonly mergeBlockLists: boolean
  /** Whether classifier-free guidance runs as two calls per step, each its own cache context (Wan). */
  readonly separateCfg: boolean
  /** Reads precomputed prompt embeddings (GenerateRequest.promptEmbeds) instead of prompt text. */
  readonly promptEmbeds?: true
  /** May run a second, low-noise expert with its own guidance (GenerateRequest.guidanceScale2). */
  readonly secondGuidance?: true
  /** Makes videos, so GenerateRequest.frames means something to it. */
  readonly video?: true
}

/** Families without an entry are refused at load by name (their pipeline is not in this build). */
export const importedPipelines: Partial<Record<ImportedFamily, ImportedPipeline>> = {
  flux: { fromImport: fluxFromImport, generate: runFluxPipeline, mergeBlockLists: true, separateCfg: false },
  wan: {
    fromImport: wanFromLoadedImport,
    generate: runWanPipeline,
    mergeBlockLists: false,
    separateCfg: true,
    secondGuidance: true,
    video: true
  },
  sd3: {
    fromImport: async (imp) => sd3FromImport(imp),
    generate: runSd3Pipeline,
    mergeBlockLists: false,
    separateCfg: false
  },
  pixart: {
    fromImport: async (imp) => pixartFromLoadedImport(imp),
    generate: runPixArtPipeline,
    mergeBlockLists: false,
    separateCfg: false
  },
  'qwen-image': {
    fromImport: async (imp) => qwenImageGenerateFromImport(imp),
    generate: runQwenImagePipeline,
    mergeBlockLists: false,
    separateCfg: true,
    promptEmbeds: true
  }
}

export function importedPipeline(family: ImportedFamily): ImportedPipeline {
  const p = importedPipelines[family]
  if (!p)
    throw new EngineFailure('model_invalid', `imported ${family} packages have no pipeline in this build`)
  return {
    ...p,
    generate: async (model, request, hooks) => p.generate(model, refuseUnread(p, model, request), hooks)
  }
}

/** A request field this family's pipeline would not read is refused by name, not ignored. */
function refuseUnread(p: ImportedPipeline, model: FamilyModel, request: GenerateRequest): GenerateRequest {
  if (!p.promptEmbeds && (request.promptEmbeds || request.negativePromptEmbeds))
    throw new EngineFailure(
      'bad_request',
      `${model.name} reads the prompt text; --prompt-embeds is only for models without a text encoder graph (Qwen-Image)`
    )
  if (!p.secondGuidance && request.guidanceScale2 !== undefined)
    throw new EngineFailure(
      'bad_request',
      `${model.name} has one transformer; guidanceScale2 (--guidance-2) is only for models with two experts (Wan 2.2)`
    )
  if (!p.video && request.frames !== undefined && request.frames !== 1)
    throw new EngineFailure(
      'bad_request',
      `${model.name} makes still images; frames (--frames) is only for video models (Wan)`
    )
  return request
}

/** An imported package loaded and handed to its family's pipeline. */
export async function loadImportedFamilyModel(
  dir: string,
  options: LoadImportedOptions
): Promise<{ model: FamilyModel; pipeline: ImportedPipeline; kind: 'image' | 'video' }> {
  const manifest = await readImportedManifest(dir)
  const pipeline = importedPipeline(manifest.family)
  const imported = await loadImportedModel(dir, options)
  try {
    return { model: await pipeline.fromImport(imported), pipeline, kind: manifest.kind }
  } catch (e) {
    await imported.release().catch(() => undefined)
    throw e
  }
}
