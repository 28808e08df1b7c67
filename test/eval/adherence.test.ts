import { describe, expect, it } from 'vitest'
import { scoreAdherence, scoreBatch } from '../../src/bench/eval/adherence'
import { EngineFailure } from '../../src/main/engine/errors'
import {
  COLORS,
  DATASET_GEOMETRY as G,
  POSITIONS,
  SHAPES,
  allCaptions,
  formatCaption,
  type ImageCaption
} from '../../src/shared/prompt-grammar'
import { datasetImage, renderImageCaption, renderShape, rng } from './render-shapes'

const IMAGES = allCaptions('image') as ImageCaption[]
const meta = (size: number = G.size) => ({ width: size, height: size, frames: 1 })

/** The next value of `list` after `v` that is none of `avoid`. */
function other<T>(list: readonly T[], v: T, ...avoid: T[]): T {
  let i = list.indexOf(v)
  do i = (i + 1) % list.length
  while (list[i] === v || avoid.includes(list[i]))
  return list[i]
}

describe('scoreAdherence on ground-truth renders', () => {
  it('scores every image caption of the grammar at 32×32 at least 0.98', () => {
    const rand = rng(1)
    const s = scoreBatch(
      IMAGES.map((c) => ({ pixels: datasetImage(c, rand), meta: meta(), caption: formatCaption(c) }))
    )
    expect(s.scored).toBe(IMAGES.length)
    expect(s.overall).toBeGreaterThanOrEqual(0.98)
    for (const v of Object.values(s.accuracy)) expect(v).toBeGreaterThanOrEqual(0.98)
  })

  it('scores a fifth of the captions at 64×64 at least 0.98', () => {
    const rand = rng(2)
    const items = IMAGES.filter((_, i) => i % 5 === 0).map((c) => ({
      pixels: datasetImage(c, rand, 64),
      meta: meta(64),
      caption: c
    }))
    expect(scoreBatch(items).overall).toBeGreaterThanOrEqual(0.98)
  })

  it('reports what it saw: colours, shape, cell, box centre and features', () => {
    const c = IMAGES.find((x) => x.shape === 'triangle' && x.position === 'top right')!
    const r = scoreAdherence(renderImageCaption(c), meta(), c)!
    expect(r.detected).toMatchObject({
      background: c.background,
      color: c.color,
      shape: 'triangle',
      position: 'top right'
    })
    expect(r.detected.center![0]).toBeCloseTo(24.5 / 32, 1)
    expect(r.detected.features!.verticalSkew).toBeGreaterThan(0.1)
    expect(r.overall).toBe(1)
  })
})

describe('scoreAdherence on wrong renders', () => {
  // Every fourth caption, drawn with one attribute changed.
  const sample = IMAGES.filter((_, i) => i % 4 === 0)

  function accuracyWhen(change: (c: ImageCaption) => ImageCaption) {
    const rand = rng(3)
    return scoreBatch(
      sample.map((c) => ({ pixels: datasetImage(change(c), rand), meta: meta(), caption: c }))
    )
  }

  it('fails only colour when the shape has another colour', () => {
    const s = accuracyWhen((c) => ({ ...c, color: other(COLORS, c.color, c.background) }))
    expect(s.accuracy).toEqual({ background: 1, color: 0, shape: 1, position: 1 })
    expect(s.overall).toBe(0.75)
  })

  it('fails only shape when another shape is drawn', () => {
    const s = accuracyWhen((c) => ({ ...c, shape: other(SHAPES, c.shape) }))
    expect(s.accuracy).toEqual({ background: 1, color: 1, shape: 0, position: 1 })
  })

  it('fails only position when the shape is in the next grid cell', () => {
    const s = accuracyWhen((c) => ({ ...c, position: other(POSITIONS, c.position) }))
    expect(s.accuracy).toEqual({ background: 1, color: 1, shape: 1, position: 0 })
  })

  it('fails background and colour when the two are swapped', () => {
    const s = accuracyWhen((c) => ({ ...c, color: c.background, background: c.color }))
    expect(s.accuracy).toEqual({ background: 0, color: 0, shape: 1, position: 1 })
    expect(s.overall).toBe(0.5)
  })

  it('finds no shape in a blank image of the right background', () => {
    const c = IMAGES[100]
    const blank = renderShape({
      shape: 'circle',
      color: c.background,
      background: c.background,
      cx: 16,
      cy: 16,
      r: 6
    })
    const r = scoreAdherence(blank, meta(), c)!
    expect(r.attributes).toEqual({ background: 1, color: 0, shape: 0, position: 0 })
    expect(r.detected).toMatchObject({ shape: null, color: null, position: null, features: null })
    expect(r.overall).toBe(0.25)
  })

  it('scores uniform noise 0: no background, so no shape either', () => {
    const rand = rng(4)
    for (let k = 0; k < 10; k++) {
      const noise = new Uint8Array(32 * 32 * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(rand() * 256)))
      const r = scoreAdherence(noise, meta(), IMAGES[k * 97])!
      expect(r.overall).toBe(0)
      expect(r.detected.background).toBeNull()
    }
  })
})

describe('scoreAdherence inputs', () => {
  it('returns null for a caption outside the grammar', () => {
    const px = renderImageCaption(IMAGES[0])
    expect(scoreAdherence(px, meta(), 'a photo of an astronaut riding a horse')).toBeNull()
    expect(scoreAdherence(px, meta(), 'a red circle at the top on a red background')).toBeNull()
  })

  it('EXPECTED FAILURE - throws bad_request when the pixel count does not match the size', () => {
    const px = renderImageCaption(IMAGES[0])
    expect(() => scoreAdherence(px, { width: 32, height: 32, frames: 2 }, IMAGES[0])).toThrow(EngineFailure)
    expect(() => scoreAdherence(px, { width: 30, height: 32, frames: 1 }, IMAGES[0])).toThrow(
      /4096 bytes of pixels for 30×32×1 RGBA \(expected 3840\)/
    )
  })
})

describe('scoreBatch', () => {
  it('leaves captions outside the grammar out of every mean and keeps results in order', () => {
    const good = IMAGES[7]
    const px = renderImageCaption(good)
    const wrongShape = renderImageCaption({ ...good, shape: other(SHAPES, good.shape) })
    const s = scoreBatch([
      { pixels: px, meta: meta(), caption: formatCaption(good) },
      { pixels: px, meta: meta(), caption: 'not our grammar' },
      { pixels: wrongShape, meta: meta(), caption: good }
    ])
    expect(s).toMatchObject({ count: 3, scored: 2, overall: 0.875 })
    expect(s.accuracy).toEqual({ background: 1, color: 1, shape: 0.5, position: 1 })
    expect(s.results[1]).toBeNull()
    expect(s.results[2]?.attributes.shape).toBe(0)
  })

  it('has a null overall when nothing was scored', () => {
    expect(scoreBatch([])).toEqual({ count: 0, scored: 0, overall: null, accuracy: {}, results: [] })
  })
})
