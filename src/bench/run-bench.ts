import { cpus, loadavg } from 'node:os'
import { ENGINE_VERSION } from '../shared/engine-protocol'
import { examplePrompts } from '../shared/prompt-grammar'
import { isImportedPackage } from '../main/engine/import/imported-info'
import { readManifest } from '../main/engine/model/manifest-file'
import { benchModel, type ModelBenchOptions } from './model-bench'
import type { BenchReport, ModelBench } from './result'

/** `studio bench` for a list of models: one report with the machine it ran on and its load. */

export interface BenchOptions extends Omit<ModelBenchOptions, 'dir' | 'prompts'> {
  dirs: readonly string[]
  /** Prompts per model: the caption grammar's first examples of the model's kind. */
  promptCount: number
  /** The command line, recorded in the report so anyone can rerun it. */
  command: string
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const loadStart = loadavg()[0]
  const models: ModelBench[] = []
  const failures: BenchReport['failures'] = []
  for (const dir of o.dirs) {
    try {
      // An imported model (any family, video too) reads the grammar's image captions as plain prompts.
      const kind = (await isImportedPackage(dir)) ? 'image' : (await readManifest(dir)).kind
      const prompts = examplePrompts(kind, o.promptCount)
      models.push(await benchModel({ ...o, dir, prompts }))
    } catch (e) {
      // One broken (or half-rewritten) package must not throw away the other models' figures.
      failures.push({ dir, error: (e as Error).message })
    }
  }
  if (models.length === 0 && failures.length > 0) throw new Error(failures[0].error)
  return {
    format: 'cache-studio-bench/1',
    createdAt: new Date().toISOString(),
    engineVersion: ENGINE_VERSION,
    command: o.command,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadStart,
      loadEnd: loadavg()[0],
      node: process.version,
      provider: String(o.provider),
      threads: o.threads,
      cfgLanes: o.cfgLanes ?? 1,
      cfgBatch: o.cfgBatch === true
    },
    repeats: o.repeats,
    models,
    failures
  }
}
