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
  positionCell,
  sampleCaptions,
  splitCaptions
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

describe('splitCaptions', () => {
  it('enumerates every caption of a kind once: 8 colours × 3 shapes × 9 positions × 7 backgrounds', () => {
    expect(allCaptions('image')).toHaveLength(8 * 3 * 9 * 7)
    expect(allCaptions('video')).toHaveLength(8 * 3 * 4 * 7)
    const texts = allCaptions('video').map(formatCaption)
    expect(new Set(texts).size).toBe(texts.length)
  })

  it('without a held-out list gives one split "all" of every caption', () => {
    const { splits, ignored } = splitCaptions('image')
    expect(splits.map((s) => s.name)).toEqual(['all'])
    expect(splits[0].captions).toEqual(allCaptions('image'))
    expect(ignored).toEqual([])
  })

  it('puts the listed captions (matched however they are spaced or cased) in held-out, the rest in train', () => {
    const held = [
      'a red circle moving up on a blue background',
      '  A Green Square moving LEFT on a red background.'
    ]
    const { splits, ignored } = splitCaptions('video', [
      ...held,
      'a red circle at the top on a blue background', // an image caption: not in the video grammar
      'a red circle moving up on a red background' // shape coloured like its background
    ])
    const [train, heldOut] = splits
    expect(train.name).toBe('train')
    expect(heldOut.name).toBe('held-out')
    expect(heldOut.captions.map(formatCaption)).toEqual([
      'a red circle moving up on a blue background',
      'a green square moving left on a red background'
    ])
    expect(train.captions).toHaveLength(allCaptions('video').length - 2)
    expect(train.captions.map(formatCaption)).not.toContain('a red circle moving up on a blue background')
    expect(ignored).toEqual([
      'a red circle at the top on a blue background',
      'a red circle moving up on a red background'
    ])
  })
})

describe('sampleCaptions', () => {
  const captions = allCaptions('image')

  it('draws n distinct captions with seeds, the same for the same seed and salt', () => {
    const a = sampleCaptions(captions, 24, 7, 'train')
    expect(a).toHaveLength(24)
    expect(new Set(a.map((p) => formatCaption(p.caption))).size).toBe(24)
    for (const p of a) expect(Number.isInteger(p.seed) && p.seed >= 0 && p.seed < 2 ** 32).toBe(true)
    expect(sampleCaptions(captions, 24, 7, 'train')).toEqual(a)
    expect(sampleCaptions(captions, 24, 8, 'train')).not.toEqual(a)
    expect(sampleCaptions(captions, 24, 7, 'held-out')).not.toEqual(a)
  })

  it('takes the first n of the larger draw, and every caption when n exceeds them', () => {
    expect(sampleCaptions(captions, 5, 3)).toEqual(sampleCaptions(captions, 24, 3).slice(0, 5))
    const few = captions.slice(0, 4)
    expect(
      sampleCaptions(few, 10, 3)
        .map((p) => p.caption)
        .sort(byText)
    ).toEqual([...few].sort(byText))
  })
})

function byText(a: Parameters<typeof formatCaption>[0], b: Parameters<typeof formatCaption>[0]): number {
  return formatCaption(a).localeCompare(formatCaption(b))
}
