/**
 * What one gallery save costs on this disk (docs/architecture.md, cut 14): N saves of a 1024²
 * image's entry (image.png, trace.json, summary.json, entry.json) by the GalleryStore of the
 * checkout at ROOT, into a fresh temp folder. The time moves with the disk's fsync; count the
 * file system calls instead, for this checkout and an older one (a git worktree) side by side:
 *
 *   strace -f -c -e trace=fsync,rename,openat node --import tsx tools/bench/gallery-save.mts [ROOT] [N]
 *
 * and divide the fsync and rename counts by N.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { encode } from 'fast-png'
import type { GenerationOutput } from '../../src/shared/generation'
import { resolveCacheConfig } from '../../src/shared/presets'

const root = resolve(process.argv[2] ?? '.')
const saves = Number(process.argv[3] ?? '20')
const { GalleryStore } = (await import(
  pathToFileURL(join(root, 'src/main/gallery/gallery-store.ts')).href
)) as typeof import('../../src/main/gallery/gallery-store')

const size = 1024
const output: GenerationOutput = {
  recipe: {
    model: 'tiny-image',
    modelName: 'Tiny image',
    prompt: 'a red circle',
    negativePrompt: '',
    seed: 1,
    steps: 28,
    guidanceScale: 4,
    separateCfg: false,
    preset: 'F8B0',
    cache: resolveCacheConfig('F8B0'),
    provider: 'cpu',
    engineVersion: 'bench',
    width: size,
    height: size
  },
  kind: 'image',
  width: size,
  height: size,
  frames: 1,
  files: [
    {
      name: 'image.png',
      mime: 'image/png',
      bytes: encode({ width: size, height: size, data: new Uint8Array(size * size * 4).fill(90), channels: 4 })
    }
  ],
  trace: [],
  summary: { contexts: [], blocksRun: 0, blocksTotal: 0, theoreticalBlockSpeedup: 1 },
  timings: { totalMs: 1, encodeMs: 0, denoiseMs: 0, decodeMs: 0, perStepMs: [] }
}

const dir = await mkdtemp(join(tmpdir(), 'gallery-save-'))
try {
  const store = new GalleryStore(dir)
  await store.open()
  const t0 = performance.now()
  // One second apart: entry ids are made from the time.
  for (let i = 0; i < saves; i++) await store.save(output, new Date(Date.now() + i * 1000))
  console.log(`${root}: ${saves} saves, ${((performance.now() - t0) / saves).toFixed(1)} ms per save`)
} finally {
  await rm(dir, { recursive: true, force: true })
}
