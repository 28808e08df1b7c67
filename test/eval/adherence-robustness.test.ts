import { describe, expect, it } from 'vitest'
import { scoreBatch } from '../../src/bench/eval/adherence'
import { DATASET_GEOMETRY as G, allCaptions, type ImageCaption } from '../../src/shared/prompt-grammar'
import { datasetImage, rng } from './render-shapes'

/**
 * Generated images are not exact renders: a small decoder softens edges and adds speckle. The
 * evaluator must keep reading the right attributes through both.
 */

const SAMPLE = (allCaptions('image') as ImageCaption[]).filter((_, i) => i % 6 === 1)
const meta = { width: G.size, height: G.size, frames: 1 }

/** 3×3 box blur of R, G, B (clamped at the frame's edges). */
function blur(px: Uint8Array, size: number): Uint8Array {
  const out = px.slice()
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0
        let n = 0
        for (let yy = Math.max(0, y - 1); yy <= Math.min(size - 1, y + 1); yy++) {
          for (let xx = Math.max(0, x - 1); xx <= Math.min(size - 1, x + 1); xx++) {
            s += px[(yy * size + xx) * 4 + c]
            n++
          }
        }
        out[(y * size + x) * 4 + c] = Math.round(s / n)
      }
    }
  }
  return out
}

describe('scoreAdherence on imperfect renders', () => {
  it('keeps reading correct renders under pixel noise (σ = 8)', () => {
    const rand = rng(5)
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
    const noisy = (px: Uint8Array) =>
      px.map((v, i) => (i % 4 === 3 ? v : Math.max(0, Math.min(255, Math.round(v + 8 * gauss())))))
    const s = scoreBatch(SAMPLE.map((c) => ({ pixels: noisy(datasetImage(c, rand)), meta, caption: c })))
    expect(s.overall).toBeGreaterThanOrEqual(0.98)
  })

  it('keeps reading correct renders after a 3×3 blur', () => {
    const rand = rng(6)
    const s = scoreBatch(
      SAMPLE.map((c) => ({ pixels: blur(datasetImage(c, rand), G.size), meta, caption: c }))
    )
    expect(s.overall).toBeGreaterThanOrEqual(0.98)
  })
})
