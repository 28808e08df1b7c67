import type { GenerateRequest, GenerationResult } from '../shared/generation'
import type { ConcreteProvider, Provider } from '../shared/providers'
import { isImportedPackage } from '../main/engine/import/imported-info'
import { LoadedModel, type LoadedTransformer } from '../main/engine/model/loaded-model'
import { loadPackage } from '../main/engine/model/package'
import type { SessionTuning } from '../main/engine/model/session'
import {
  loadImportedFamilyModel,
  type FamilyModel,
  type ImportedPipeline
} from '../main/engine/pipeline/families'
import { runPipeline, type PipelineHooks } from '../main/engine/pipeline/generate'

/**
 * What the bench measures: one of the engine's models, an embedded-format package or an imported
 * one (its family pipeline), behind the few things the bench reads. The engine's generation thread
 * makes the same choice (thread/entry.ts); the bench runs in the CLI's process instead.
 */
export interface BenchTarget {
  readonly id: string
  readonly name: string
  readonly kind: 'image' | 'video'
  readonly dir: string
  readonly provider: ConcreteProvider
  readonly defaults: { steps: number; guidanceScale: number; separateCfg: boolean }
  /** Whether the model's block lists form one cache context by default (CacheDiT's FLUX adapter). */
  readonly mergeBlockLists: boolean
  readonly transformers: readonly LoadedTransformer[]
  /**
   * Whether the embedded models' prompt-adherence evaluator and PyTorch twin apply: both know only
   * the caption grammar and architecture of the models tools/train makes.
   */
  readonly embedded: boolean
  run(request: GenerateRequest, hooks: PipelineHooks): Promise<GenerationResult>
  release(): Promise<void>
}

export async function loadBenchTarget(
  dir: string,
  provider: Provider,
  tuning: SessionTuning
): Promise<BenchTarget> {
  if (await isImportedPackage(dir))
    return importedTarget(dir, await loadImportedFamilyModel(dir, { provider, tuning }))
  const model = await LoadedModel.load(await loadPackage(dir), { provider, tuning })
  const m = model.manifest
  return {
    id: m.id,
    name: m.name,
    kind: m.kind,
    dir: model.pkg.dir,
    provider: model.provider,
    defaults: m.defaults,
    mergeBlockLists: m.cache?.mergeBlockLists ?? false,
    transformers: model.transformers,
    embedded: true,
    run: (request, hooks) => runPipeline(model, request, hooks),
    release: () => model.release()
  }
}

function importedTarget(
  dir: string,
  { model, pipeline, kind }: { model: FamilyModel; pipeline: ImportedPipeline; kind: 'image' | 'video' }
): BenchTarget {
  return {
    id: model.id,
    name: model.name,
    kind,
    dir,
    provider: model.provider,
    defaults: {
      steps: model.defaults.steps,
      guidanceScale: model.defaults.guidanceScale,
      separateCfg: pipeline.separateCfg
    },
    mergeBlockLists: pipeline.mergeBlockLists,
    transformers: model.transformers,
    embedded: false,
    run: (request, hooks) => pipeline.generate(model, request, hooks),
    release: () => model.release()
  }
}
