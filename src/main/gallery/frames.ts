import { decode } from 'fast-png'
import type { GalleryEntry } from '../../shared/gallery'
import { ApiFailure } from '../../shared/failure'

/**
 * An entry's frames as RGBA8, frame-major: what the engine's compare takes. Images have one PNG;
 * videos one PNG per frame (the GIF is palette-quantised, so it is not used for metrics).
 */
export function entryFrames(entry: GalleryEntry): Uint8Array<ArrayBuffer> {
  const pngs = entry.files.filter((f) => f.mime === 'image/png')
  if (pngs.length !== entry.frames) {
    throw new ApiFailure(
      'bad_request',
      `compare: entry ${entry.id} has ${pngs.length} PNG frames, expected ${entry.frames}`
    )
  }
  const frameBytes = entry.width * entry.height * 4
  const out = new Uint8Array(frameBytes * entry.frames)
  pngs.forEach((file, i) =>
    out.set(toRgba8(file.bytes, entry.width, entry.height, file.name), i * frameBytes)
  )
  return out
}

/** Grey, grey+alpha, RGB or RGBA8 as RGBA8 (a plain remote server may send any of them). */
function toRgba8(png: Uint8Array, width: number, height: number, name: string): Uint8Array<ArrayBufferLike> {
  const image = decode(png)
  if (image.width !== width || image.height !== height || image.depth !== 8 || image.palette) {
    throw new ApiFailure('bad_request', `compare: ${name} is not a ${width}×${height} 8-bit RGB(A) PNG`)
  }
  const { channels, data } = image
  if (channels === 4) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  if (channels < 1 || channels > 4)
    throw new ApiFailure('bad_request', `compare: ${name} has ${channels} channels`)
  const grey = channels < 3
  const rgba = new Uint8Array(width * height * 4)
  for (let p = 0; p < width * height; p++) {
    const s = p * channels
    rgba[p * 4] = data[s]
    rgba[p * 4 + 1] = grey ? data[s] : data[s + 1]
    rgba[p * 4 + 2] = grey ? data[s] : data[s + 2]
    rgba[p * 4 + 3] = channels === 2 ? data[s + 1] : 255
  }
  return rgba
}
