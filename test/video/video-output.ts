import { encodeVideoFiles } from '../../src/main/engine/pipeline/video/files'
import type { GenerationResult } from '../../src/shared/generation'
import { galleryOutput } from '../main/gallery-output'

/** A 3-frame 16×8 video result shaped as every video pipeline returns it (video/files.ts). */
export async function videoOutput(): Promise<GenerationResult> {
  const [width, height, frames, fps] = [16, 8, 3, 8]
  const pixels = new Uint8Array(width * height * 4 * frames).map((_, i) =>
    i % 4 === 3 ? 255 : (i * 7) % 200
  )
  const base = galleryOutput('a square drifting')
  const recipe = { ...base.recipe, model: 'shapes-wan-tiny' }
  const files = await encodeVideoFiles({ width, height, frames, fps, rgba: pixels }, recipe)
  return { ...base, recipe, kind: 'video', width, height, frames, fps, pixels, files }
}
