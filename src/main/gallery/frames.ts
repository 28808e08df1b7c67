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

function toRgba8(png: Uint8Array, width: number, height: number, name: string): Uint8Array<ArrayBufferLike> {
  const image = decode(png)
  if (image.width !== width || image.height !== height || image.depth !== 8 || image.palette) {
    throw new ApiFailure('bad_request', `compare: ${name} is not a ${width}×${height} 8-bit RGB(A) PNG`)
  }
  if (image.channels === 4)
    return new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength)
  if (image.channels !== 3)
    throw new ApiFailure('bad_request', `compare: ${name} has ${image.channels} channels`)
  const rgba = new Uint8Array(width * height * 4)
  for (let p = 0; p < width * height; p++) {
    rgba.set(image.data.subarray(p * 3, p * 3 + 3), p * 4)
    rgba[p * 4 + 3] = 255
  }
  return rgba
}
