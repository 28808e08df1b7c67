/**
 * The caption grammar of the embedded models, and the look of their training data.
 *
 *   image: "a {color} {shape} at the {position} on a {color} background"
 *   video: "a {color} {shape} moving {direction} on a {color} background"
 *
 * The shape's colour is never the background's. Vocabulary, palette and geometry are the twins of
 * `tools/train/vocab.py` (COLORS, SHAPES, POSITIONS, DIRECTIONS) and `tools/train/data.py`
 * (PALETTE, POS_XY, render, image_batch, video_batch): the prompt-adherence evaluator reads
 * generated pixels against these numbers, so a change on either side must be made on both.
 * Pure data and functions: the renderer imports this file for its example prompts.
 */

export const COLORS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white', 'black'] as const
export const SHAPES = ['circle', 'square', 'triangle'] as const
export const POSITIONS = [
  'top left',
  'top',
  'top right',
  'left',
  'center',
  'right',
  'bottom left',
  'bottom',
  'bottom right'
] as const
export const DIRECTIONS = ['left', 'right', 'up', 'down'] as const

export type ColorName = (typeof COLORS)[number]
export type ShapeName = (typeof SHAPES)[number]
export type PositionName = (typeof POSITIONS)[number]
export type Direction = (typeof DIRECTIONS)[number]
export type Rgb = readonly [number, number, number]

/** sRGB 0..255 of each colour name, exactly as data.py PALETTE renders them. */
export const PALETTE: Readonly<Record<ColorName, Rgb>> = {
  red: [220, 40, 40],
  green: [40, 170, 60],
  blue: [40, 80, 220],
  yellow: [240, 220, 40],
  purple: [140, 50, 180],
  orange: [245, 140, 30],
  white: [245, 245, 245],
  black: [20, 20, 20]
}

/**
 * Geometry of data.py, in pixels of its SIZE×SIZE canvas (divide by `size` to use it at any
 * resolution). Positions are the 3×3 grid centres POS_XY; `r` is the shape's radius.
 */
export const DATASET_GEOMETRY = {
  size: 32,
  /** Grid centre coordinate per column (left, center, right) and row (top, center, bottom). */
  gridCenters: [7.5, 16, 24.5] as const,
  /** Images: centre jitter ±1.5 px per axis, radius uniform in [5, 6.5]. */
  imageJitter: 1.5,
  imageRadius: [5, 6.5] as const,
  /** Square half-side = 0.86 r. */
  squareHalfSide: 0.86,
  /** Upward triangle: apex at cy − 1.05 r, base at cy + 0.9 r, base half-width 1.1 r. */
  triangleTop: -1.05,
  triangleHeight: 1.95,
  triangleHalfBase: 1.1,
  /** Videos: 8 frames, the shape travels 14 px from first to last frame, radius in [5, 6]. */
  videoFrames: 8,
  videoTravel: 14,
  videoRadius: [5, 6] as const,
  /** First-frame centre along the motion axis is in [6.5, 25.5 − travel] (mirrored for left/up). */
  videoStart: [6.5, 11.5] as const,
  /** Centre across the motion axis, uniform in [7, 25]. */
  videoAcross: [7, 25] as const
} as const

export interface ImageCaption {
  kind: 'image'
  color: ColorName
  shape: ShapeName
  position: PositionName
  background: ColorName
}

export interface VideoCaption {
  kind: 'video'
  color: ColorName
  shape: ShapeName
  direction: Direction
  background: ColorName
}

export type Caption = ImageCaption | VideoCaption

/** Column (0..2) and row (0..2) of a position on the 3×3 grid. */
export function positionCell(position: PositionName): { col: number; row: number } {
  const i = POSITIONS.indexOf(position)
  return { col: i % 3, row: Math.floor(i / 3) }
}

/** The position named by a grid cell. */
export function cellPosition(col: number, row: number): PositionName {
  return POSITIONS[row * 3 + col]
}

// Longest alternatives first, so "top left" wins over "top".
const alt = (words: readonly string[]): string => [...words].sort((a, b) => b.length - a.length).join('|')
const IMAGE_RE = new RegExp(
  `^a (${alt(COLORS)}) (${alt(SHAPES)}) at the (${alt(POSITIONS)}) on a (${alt(COLORS)}) background$`
)
const VIDEO_RE = new RegExp(
  `^a (${alt(COLORS)}) (${alt(SHAPES)}) moving (${alt(DIRECTIONS)}) on a (${alt(COLORS)}) background$`
)

/** Lower case, single spaces, no surrounding blanks or trailing full stop. */
function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\s*\.$/, '')
}

/**
 * The attributes a caption asks for, or null when it is outside the grammar (including a shape
 * coloured like its background, which the models never saw and which cannot be seen).
 */
export function parseCaption(text: string): Caption | null {
  const t = normalize(text)
  for (const [kind, re] of [
    ['image', IMAGE_RE],
    ['video', VIDEO_RE]
  ] as const) {
    const m = re.exec(t)
    if (!m) continue
    const [, color, shape, where, background] = m
    if (color === background) return null
    return captionOf(kind, color as ColorName, shape as ShapeName, where, background as ColorName)
  }
  return null
}

/** A caption of a kind from its attributes; `where` is the image's position or the video's direction. */
function captionOf(
  kind: 'image' | 'video',
  color: ColorName,
  shape: ShapeName,
  where: string,
  background: ColorName
): Caption {
  return kind === 'image'
    ? { kind, color, shape, position: where as PositionName, background }
    : { kind, color, shape, direction: where as Direction, background }
}

/** The canonical text of a caption (what data.py's image_caption / video_caption write). */
export function formatCaption(c: Caption): string {
  return c.kind === 'image'
    ? `a ${c.color} ${c.shape} at the ${c.position} on a ${c.background} background`
    : `a ${c.color} ${c.shape} moving ${c.direction} on a ${c.background} background`
}

/** Every caption of a kind, in data.py's itertools.product order (colour, shape, where, bg). */
export function allCaptions(kind: 'image' | 'video'): Caption[] {
  const out: Caption[] = []
  for (const color of COLORS)
    for (const shape of SHAPES)
      for (const where of kind === 'image' ? POSITIONS : DIRECTIONS)
        for (const background of COLORS) {
          if (color !== background) out.push(captionOf(kind, color, shape, where, background))
        }
  return out
}

/**
 * `count` example prompts of a kind, the same every time. The i-th example takes the i-th
 * value of each attribute list (offset so neighbours differ), which covers every colour, shape
 * and position/direction within a handful of examples.
 */
export function examplePrompts(kind: 'image' | 'video', count = 8): string[] {
  const wheres: readonly string[] = kind === 'image' ? POSITIONS : DIRECTIONS
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const color = COLORS[i % COLORS.length]
    // Background offset in 1..7, changing each lap of the colours: never the shape's colour.
    const offset = 1 + ((2 + Math.floor(i / COLORS.length)) % (COLORS.length - 1))
    const background = COLORS[(i + offset) % COLORS.length]
    const shape = SHAPES[i % SHAPES.length]
    // Strides coprime with 9 and with 4, so the first 9 (or 4) examples visit every place.
    const where = wheres[(i * (kind === 'image' ? 4 : 3)) % wheres.length]
    out.push(formatCaption(captionOf(kind, color, shape, where, background)))
  }
  return out
}

/** A set of captions `studio evaluate` scores together. */
export interface CaptionSplit {
  /** `train` and `held-out` when the model lists its held-out captions, else one split `all`. */
  name: 'train' | 'held-out' | 'all'
  captions: Caption[]
}

/**
 * The captions of a kind split by a model's held-out list (manifest `evaluation.heldOutPrompts`),
 * each split in `allCaptions` order. Held-out entries are matched by their parsed attributes, so
 * case and spacing do not matter; `ignored` are those outside the grammar of this kind, which
 * cannot be generated from it (a typo in the list should be seen, not silently shrink a split).
 */
export function splitCaptions(
  kind: 'image' | 'video',
  heldOutPrompts?: readonly string[]
): { splits: CaptionSplit[]; ignored: string[] } {
  const all = allCaptions(kind)
  if (heldOutPrompts === undefined) return { splits: [{ name: 'all', captions: all }], ignored: [] }
  const held = new Set<string>()
  const ignored: string[] = []
  for (const text of heldOutPrompts) {
    const c = parseCaption(text)
    if (c && c.kind === kind) held.add(formatCaption(c))
    else ignored.push(text)
  }
  return {
    splits: [
      { name: 'train', captions: all.filter((c) => !held.has(formatCaption(c))) },
      { name: 'held-out', captions: all.filter((c) => held.has(formatCaption(c))) }
    ],
    ignored
  }
}

/** mulberry32: a tiny seeded PRNG, so a sample is the same on every machine and Node version. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** FNV-1a of a string: mixes a split's name into the seed. */
function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/**
 * `n` captions of a split (all of them when it has fewer), drawn without replacement, each with
 * a generation seed in 0..2^32−1: a pure function of (captions, n, seed, salt). The salt (the
 * split's name) keeps one split's draw from changing when another split's size changes.
 */
export function sampleCaptions(
  captions: readonly Caption[],
  n: number,
  seed: number,
  salt = ''
): { caption: Caption; seed: number }[] {
  const rand = mulberry32((seed ^ hashString(salt)) >>> 0)
  const pool = [...captions]
  const count = Math.min(Math.max(0, Math.floor(n)), pool.length)
  const out: { caption: Caption; seed: number }[] = []
  // Partial Fisher–Yates: the first `count` places of a uniform shuffle.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (pool.length - i))
    ;[pool[i], pool[j]] = [pool[j], pool[i]]
    out.push({ caption: pool[i], seed: Math.floor(rand() * 4294967296) })
  }
  return out
}
