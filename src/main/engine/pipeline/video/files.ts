import { GIF_PREVIEW, VIDEO_FILE, type OutputFile, type Recipe } from '../../../../shared/generation'
import { encodeGif } from '../gif'
import { encodePng, RECIPE_KEY } from '../png'
import { encodeWebm, type RgbaClip } from './webm'

/**
 * A video model's output files, the same for every video pipeline: one PNG per frame (exact pixels,
 * each with the recipe), the WebM that players open, and the GIF preview.
 */
export async function encodeVideoFiles(clip: RgbaClip, recipe: Recipe): Promise<OutputFile[]> {
  const { width, height, frames, fps, rgba } = clip
  const size = width * height * 4
  const files: OutputFile[] = []
  for (let f = 0; f < frames; f++)
    files.push({
      name: `frame-${String(f).padStart(3, '0')}.png`,
      mime: 'image/png',
      bytes: encodePng(width, height, rgba.subarray(f * size, (f + 1) * size), recipe)
    })
  files.push({ ...VIDEO_FILE, bytes: await encodeWebm(clip, { [RECIPE_KEY]: JSON.stringify(recipe) }) })
  files.push({ ...GIF_PREVIEW, bytes: encodeGif(width, height, frames, rgba, fps) })
  return files
}
