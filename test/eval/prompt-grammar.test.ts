import { describe, expect, it } from 'vitest'
import {
  COLORS,
  PALETTE,
  POSITIONS,
  allCaptions,
  cellPosition,
  examplePrompts,
  formatCaption,
  parseCaption,
  positionCell
} from '../../src/shared/prompt-grammar'

describe('parseCaption', () => {
  it('reads an image caption into its attributes', () => {
    expect(parseCaption('a red circle at the top left on a blue background')).toEqual({
      kind: 'image',
      color: 'red',
      shape: 'circle',
      position: 'top left',
      background: 'blue'
    })
  })

  it('reads a video caption into its attributes', () => {
    expect(parseCaption('a white triangle moving up on a black background')).toEqual({
      kind: 'video',
      color: 'white',
      shape: 'triangle',
      direction: 'up',
      background: 'black'
    })
  })

  it('tolerates case, repeated spaces, surrounding blanks and a final full stop', () => {
    expect(parseCaption('  A  Green SQUARE at the\tBottom Right on a purple background. ')).toEqual({
      kind: 'image',
      color: 'green',
      shape: 'square',
      position: 'bottom right',
      background: 'purple'
    })
  })

  it('tells "top" from "top left"', () => {
    expect(parseCaption('a red circle at the top on a blue background')).toMatchObject({ position: 'top' })
  })

  it('returns null for prompts outside the grammar', () => {
    for (const text of [
      '',
      'a photo of a cat',
      'a pink circle at the top on a blue background',
      'a red hexagon at the top on a blue background',
      'a red circle at the middle on a blue background',
      'a red circle moving sideways on a blue background',
      'a red circle at the top on a blue background with stars',
      'a red circle at the top on a red background'
    ]) {
      expect(parseCaption(text), text).toBeNull()
    }
  })

  it('round-trips every caption of the grammar through formatCaption', () => {
    const all = [...allCaptions('image'), ...allCaptions('video')]
    expect(all).toHaveLength(8 * 7 * 3 * 9 + 8 * 7 * 3 * 4)
    for (const c of all) expect(parseCaption(formatCaption(c))).toEqual(c)
  })
})

describe('examplePrompts', () => {
  it('is deterministic, inside the grammar and varied', () => {
    for (const kind of ['image', 'video'] as const) {
      const a = examplePrompts(kind, 60)
      expect(examplePrompts(kind, 60)).toEqual(a)
      for (const p of a) expect(parseCaption(p)?.kind, p).toBe(kind)
      expect(new Set(a).size).toBe(a.length)
    }
    const firstNine = examplePrompts('image', 9).map((p) => parseCaption(p))
    expect(new Set(firstNine.map((c) => (c?.kind === 'image' ? c.position : null)))).toEqual(
      new Set(POSITIONS)
    )
  })
})

describe('palette and grid', () => {
  it('has one distinct RGB per colour name', () => {
    const keys = new Set(COLORS.map((c) => PALETTE[c].join(',')))
    expect(keys.size).toBe(COLORS.length)
  })

  it('maps positions to grid cells and back', () => {
    expect(positionCell('top left')).toEqual({ col: 0, row: 0 })
    expect(positionCell('bottom')).toEqual({ col: 1, row: 2 })
    for (const p of POSITIONS) {
      const { col, row } = positionCell(p)
      expect(cellPosition(col, row)).toBe(p)
    }
  })
})
