import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { ModelInfo } from '../../../shared/manifest'
import { EngineFailure } from '../errors'
import { importedModelInfo, isImportedPackage } from '../import/imported-info'
import { MANIFEST_FILE, readManifest } from './manifest-file'
import { modelInfo } from './model-info'

/**
 * Finds model packages. A model directory is either a package itself (it holds model.json) or a
 * folder of packages. Embedded models come first, so their ids win over a user copy.
 */

export interface ModelDirs {
  embedded: readonly string[]
  user: readonly string[]
}

export interface ListedModels {
  models: ModelInfo[]
  /** Packages that could not be listed, with the reason (shown in logs, not hidden). */
  problems: string[]
}

export async function listModels(dirs: ModelDirs): Promise<ListedModels> {
  const models: ModelInfo[] = []
  const problems: string[] = []
  const seen = new Set<string>()
  const roots = [
    ...dirs.embedded.map((d) => ({ d, embedded: true })),
    ...dirs.user.map((d) => ({ d, embedded: false }))
  ]
  for (const { d, embedded } of roots) {
    for (const dir of await packageDirs(d)) {
      try {
        // Packages made by `studio import` (cache-studio-import/2) are listed beside our own.
        const info = (await isImportedPackage(dir))
          ? await importedModelInfo(dir)
          : await modelInfo(dir, await readManifest(dir), embedded)
        if (seen.has(info.id)) {
          problems.push(`${dir}: id "${info.id}" is already listed; skipped`)
          continue
        }
        seen.add(info.id)
        models.push(info)
      } catch (e) {
        problems.push((e as Error).message)
      }
    }
  }
  return { models, problems }
}

async function packageDirs(root: string): Promise<string[]> {
  const abs = resolve(root)
  if (existsSync(join(abs, MANIFEST_FILE))) return [abs]
  let entries
  try {
    entries = await readdir(abs, { withFileTypes: true })
  } catch {
    return []
  }
  return entries
    .filter((e) => e.isDirectory() && existsSync(join(abs, e.name, MANIFEST_FILE)))
    .map((e) => join(abs, e.name))
    .sort()
}

/** A request's `model`: the id of a listed model, else a path to a package folder. */
export async function resolveModel(model: string, dirs: ModelDirs): Promise<string> {
  const { models } = await listModels(dirs)
  const byId = models.find((m) => m.id === model)
  if (byId) return byId.path
  const dir = resolve(model)
  if (existsSync(join(dir, MANIFEST_FILE))) return dir
  const known = models.map((m) => m.id).join(', ') || 'none'
  throw new EngineFailure(
    'model_not_found',
    `model "${model}" is neither a listed model id (${known}) nor a model folder`
  )
}
