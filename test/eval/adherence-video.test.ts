import { describe, expect, it } from 'vitest'
import { scoreAdherence, scoreBatch } from '../../src/bench/eval/adherence'
import { motionDirection } from '../../src/bench/eval/motion'
import {
  DATASET_GEOMETRY as G,
  DIRECTIONS,
  allCaptions,
  formatCaption,
  type Direction,
  type VideoCaption
} from '../../src/shared/prompt-grammar'
import { datasetVideo, renderVideoCaption, rng } from './render-shapes'

const VIDEOS = allCaptions('video') as VideoCaption[]
const meta = { width: G.size, height: G.size, frames: G.videoFrames }

const OPPOSITE: Record<Direction, Direction> = { left: 'right', right: 'left', up: 'down', down: 'up' }

describe('scoreAdherence on videos', () => {
  it('scores half the video captions of the grammar (all pairs of colours) at least 0.98, motion included', () => {
    const rand = rng(11)
    const half = VIDEOS.filter((_, i) => i % 2 === 0)
    const s = scoreBatch(
      half.map((c) => ({ pixels: datasetVideo(c, rand), meta, caption: formatCaption(c) }))
    )
    expect(s.scored).toBe(half.length)
    expect(s.overall).toBeGreaterThanOrEqual(0.98)
    expect(s.accuracy.motion).toBeGreaterThanOrEqual(0.98)
    expect(s.accuracy.position).toBeUndefined()
  })

  it('fails motion when the shape moves the other way, and reads that way', () => {
    const rand = rng(12)
    for (const c of VIDEOS.filter((_, i) => i % 7 === 0)) {
      const r = scoreAdherence(datasetVideo(c, rand, -1), meta, c)!
      expect(r.attributes).toEqual({ background: 1, color: 1, shape: 1, motion: 0 })
      expect(r.detected.motion).toBe(OPPOSITE[c.direction])
    }
  })

  it('fails motion when the shape stands still', () => {
    const rand = rng(13)
    for (const c of VIDEOS.filter((_, i) => i % 7 === 3)) {
      const r = scoreAdherence(datasetVideo(c, rand, 0), meta, c)!
      expect(r.detected.motion).toBeNull()
      expect(r.attributes.motion).toBe(0)
      expect(r.overall).toBe(0.75)
    }
  })

  it('tracks the centroid in every frame', () => {
    const c = VIDEOS.find((v) => v.direction === 'right')!
    const r = scoreAdherence(renderVideoCaption(c, { start: 8, across: 16 }), meta, c)!
    const xs = r.detected.track!.map((p) => p![0] * G.size)
    expect(xs[0]).toBeCloseTo(8, 0)
    expect(xs[xs.length - 1]).toBeCloseTo(8 + G.videoTravel, 0)
  })
})

describe('motionDirection', () => {
  const line = (dx: number, dy: number, n = 8) =>
    Array.from({ length: n }, (_, t): [number, number] => [
      0.3 + (dx * t) / (n - 1),
      0.5 + (dy * t) / (n - 1)
    ])

  it('names the axis with the larger travel and its sign (y grows downward)', () => {
    expect(motionDirection(line(0.4, 0.05))).toBe('right')
    expect(motionDirection(line(-0.4, 0.1))).toBe('left')
    expect(motionDirection(line(0.02, 0.3))).toBe('down')
    expect(motionDirection(line(0.1, -0.3))).toBe('up')
  })

  it('skips frames where the shape was not found', () => {
    const track: ([number, number] | null)[] = line(0.4, 0)
    track[2] = null
    track[5] = null
    expect(motionDirection(track)).toBe('right')
  })

  it('returns null for too little travel or fewer than two points', () => {
    expect(motionDirection(line(0.1, 0.05))).toBeNull()
    expect(motionDirection([[0.5, 0.5], null, null])).toBeNull()
    expect(motionDirection([])).toBeNull()
  })

  it('covers each direction', () => {
    expect(new Set(DIRECTIONS)).toEqual(new Set(Object.keys(OPPOSITE)))
  })
})
