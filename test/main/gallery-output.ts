import { encode } from 'fast-png'
import { ENGINE_VERSION } from '../../src/shared/engine-protocol'
import type { GenerationResult } from '../../src/shared/generation'
import { resolveCacheConfig } from '../../src/shared/presets'

/** A 2×2 output with a real PNG, shaped as the engine returns it. */
export function galleryOutput(prompt: string): GenerationResult {
  const pixels = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 9, 9, 9, 255])
  return {
    recipe: {
      model: 'tiny-image',
      modelName: 'Tiny image',
      prompt,
      negativePrompt: '',
      seed: 1,
      steps: 2,
      guidanceScale: 1,
      separateCfg: false,
      preset: 'none',
      cache: resolveCacheConfig('none'),
      provider: 'cpu',
      engineVersion: ENGINE_VERSION
    },
    kind: 'image',
    width: 2,
    height: 2,
    frames: 1,
    pixels,
    files: [
      {
        name: 'image.png',
        mime: 'image/png',
        bytes: new Uint8Array(encode({ width: 2, height: 2, data: pixels, channels: 4 }))
      }
    ],
    trace: [],
    summary: { contexts: [], blocksRun: 12, blocksTotal: 12, theoreticalBlockSpeedup: 1 },
    timings: { totalMs: 10, denoiseMs: 8, perStepMs: [4, 4], encodeMs: 1, decodeMs: 1 }
  }
}
