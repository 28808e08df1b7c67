import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import ort from 'onnxruntime-node'
import type { ConcreteProvider, Provider } from '../../../shared/providers'
import { EngineFailure } from '../errors'

/** Best first: `auto` takes the first of these the platform has. */
const PREFERENCE: readonly ConcreteProvider[] = ['cuda', 'dml', 'coreml', 'cpu']

/**
 * The providers this machine can run. onnxruntime-node lists CUDA on Linux even when its
 * provider library was never installed (it is a separate download), so a GPU provider counts
 * only when it is bundled or its shared library sits beside the binding.
 */
export function availableProviders(): ConcreteProvider[] {
  const listed = ort.listSupportedBackends()
  const out: ConcreteProvider[] = []
  for (const p of PREFERENCE) {
    const entry = listed.find((b) => b.name === p)
    if (!entry) continue
    if (entry.bundled || providerLibraryPresent(p)) out.push(p)
  }
  if (!out.includes('cpu')) out.push('cpu')
  return out
}

function providerLibraryPresent(p: ConcreteProvider): boolean {
  if (p !== 'cuda') return false
  try {
    const require = createRequire(import.meta.url)
    const pkg = dirname(require.resolve('onnxruntime-node/package.json'))
    const dir = join(pkg, 'bin', 'napi-v6', process.platform, process.arch)
    const lib =
      process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'
    return existsSync(join(dir, lib))
  } catch {
    return false
  }
}

/** Providers to try for a request, in order: `auto` = every available one, best first. */
export function providerCandidates(
  requested: Provider,
  available = availableProviders()
): ConcreteProvider[] {
  if (requested === 'auto') return [...available]
  if (!available.includes(requested)) {
    throw new EngineFailure(
      'provider_unavailable',
      `execution provider "${requested}" is not available here (available: ${available.join(', ')})`
    )
  }
  return [requested]
}
