import { mkdir } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import { writeFileAtomic } from '../main/engine/atomic-write'
import { isDiskFull } from '../shared/failure'
import { GIF_PREVIEW, VIDEO_FILE, type GenerationResult } from '../shared/generation'
import type { SavedTrace } from '../shared/trace'

/**
 * Where `studio generate` writes. `--out` ending in .png (image) or .webm (video) names the file;
 * anything else is a folder that gets `<model>-<seed>.png`, or for a video `<model>-<seed>.webm`
 * (VP9, what players open) with its frames as PNGs and the GIF preview beside it
 * (`<stem>-frame-000.png`…, `<stem>-video.gif`), and `<main file>.json` holds the cache trace and
 * summary (`studio summary` reads it). A video's `--out` ending in .gif (what named it before videos
 * had a WebM) still gets its GIF there, with the WebM beside it as `<stem>.webm`.
 */
export const DEFAULT_OUT_DIR = 'studio-out'

export async function writeOutputs(
  result: GenerationResult,
  out: string = DEFAULT_OUT_DIR
): Promise<string[]> {
  const stem = `${result.recipe.model}-${result.recipe.seed}`
  const mainName = result.kind === 'image' ? 'image.png' : VIDEO_FILE.name
  const ext = extname(mainName)
  const named = extname(out).toLowerCase()
  const gifNamed = result.kind === 'video' && named === extname(GIF_PREVIEW.name)
  const main = named === ext ? out : gifNamed ? out.slice(0, -named.length) + ext : join(out, stem + ext)
  const base = join(dirname(main), basename(main, extname(main)))
  const written: string[] = []
  for (const file of result.files) {
    const path =
      file.name === mainName
        ? main
        : gifNamed && file.name === GIF_PREVIEW.name
          ? out
          : `${base}-${file.name}`
    await writeAtomic(path, file.bytes)
    written.push(path)
  }
  // The cache trace and summary beside the main file, for `studio summary OUTPUT`.
  const saved: SavedTrace = { trace: result.trace, summary: result.summary }
  await writeAtomic(`${main}.json`, new TextEncoder().encode(JSON.stringify(saved)))
  written.push(`${main}.json`)
  return written
}

/**
 * The studio's one atomic writer (engine/atomic-write.ts: temp file, fsync, rename): a reader
 * never sees half an image, and a failed write (a full disk) leaves the file that was there
 * before as it was. The error names the file and what to do.
 */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true })
    await writeFileAtomic(path, bytes)
  } catch (e) {
    if (isDiskFull(e))
      throw new Error(
        `the disk is full: could not write ${path}; nothing saved before was changed, free some space and try again`
      )
    throw new Error(`could not write ${path}: ${(e as Error).message}`)
  }
}
