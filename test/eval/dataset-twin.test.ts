import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  COLORS,
  DATASET_GEOMETRY as G,
  PALETTE,
  POSITIONS,
  SHAPES,
  positionCell
} from '../../src/shared/prompt-grammar'
import { renderShape } from './render-shapes'

/**
 * The evaluator reads pixels against the palette and layout of tools/train/data.py. This pins the
 * TypeScript twin to what data.py itself drew (fixtures/make_dataset_renders.py writes the file).
 */

const Fixture = z.object({
  size: z.number(),
  palette: z.record(z.string(), z.tuple([z.number(), z.number(), z.number()])),
  posXY: z.record(z.string(), z.tuple([z.number(), z.number()])),
  frames: z.number(),
  travel: z.number(),
  renders: z.array(
    z.object({
      shape: z.enum(SHAPES),
      color: z.enum(COLORS),
      background: z.enum(COLORS),
      cx: z.number(),
      cy: z.number(),
      r: z.number(),
      rgb: z.string()
    })
  )
})
const fx = Fixture.parse(
  JSON.parse(readFileSync(new URL('./fixtures/dataset-renders.json', import.meta.url), 'utf8'))
)

describe('dataset twin of tools/train/data.py', () => {
  it('has its palette', () => {
    expect(fx.palette).toEqual(Object.fromEntries(COLORS.map((c) => [c, [...PALETTE[c]]])))
  })

  it('has its canvas, grid centres and video travel', () => {
    expect(G.size).toBe(fx.size)
    expect(G.videoFrames).toBe(fx.frames)
    expect(G.videoTravel).toBe(fx.travel)
    expect(Object.keys(fx.posXY)).toEqual([...POSITIONS])
    for (const p of POSITIONS) {
      const { col, row } = positionCell(p)
      expect([G.gridCenters[col], G.gridCenters[row]], p).toEqual(fx.posXY[p])
    }
  })

  it('draws the same pixels as data.py render (within one level of rounding)', () => {
    for (const r of fx.renders) {
      const want = Buffer.from(r.rgb, 'base64')
      const got = renderShape(r, G.size)
      let worst = 0
      for (let p = 0; p < G.size * G.size; p++) {
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(got[p * 4 + c] - want[p * 3 + c]))
      }
      expect(
        worst,
        `${r.color} ${r.shape} on ${r.background} at (${r.cx}, ${r.cy}) r=${r.r}`
      ).toBeLessThanOrEqual(1)
    }
  })
})
