import type { Caption, ColorName, Direction, PositionName, ShapeName } from './prompt-grammar'

/**
 * Results of the prompt-adherence evaluator (src/bench/eval/adherence.ts): for a caption
 * of our grammar, which of its attributes a generated image or video shows. Each attribute
 * scores 0 or 1, as in GenEval; `overall` is their mean. Images have `position`, videos `motion`.
 */

export type AdherenceAttribute = 'background' | 'color' | 'shape' | 'position' | 'motion'

export interface AdherenceAttributes {
  background: 0 | 1
  color: 0 | 1
  shape: 0 | 1
  position?: 0 | 1
  motion?: 0 | 1
}

/** Measurements of the shape's mask, the evidence behind `shape`. */
export interface ShapeFeatures {
  /** Mask pixels / bounding-box pixels: circle ≈ π/4, square ≈ 1, triangle ≈ 1/2. */
  boxFill: number
  /** Mask pixels / area of the smallest centroid-centred circle holding them: circle ≈ 1. */
  circleFill: number
  /** (centroid y − box centre y) / box height: an upward triangle is bottom-heavy (≈ +0.17). */
  verticalSkew: number
  /** Share of the four box-corner regions covered: square ≈ 1, circle and triangle lower. */
  cornerFill: number
}

export interface AdherenceDetected {
  background: ColorName | null
  color: ColorName | null
  shape: ShapeName | null
  position?: PositionName | null
  /** null when the shape does not move far enough to call a direction (static) or is not found. */
  motion?: Direction | null
  /** Shape's bounding-box centre, 0..1 of width and height, in the first frame it was found. */
  center: [number, number] | null
  /** Area of the shape as a share of the frame, in the first frame it was found. */
  area: number | null
  features: ShapeFeatures | null
  /** Videos: the shape's centroid per frame (0..1), null where it was not found. */
  track?: ([number, number] | null)[]
}

export interface AdherenceScore {
  caption: Caption
  /** Mean of the attribute scores, 0..1. */
  overall: number
  attributes: AdherenceAttributes
  detected: AdherenceDetected
}

export interface AdherenceBatchSummary {
  /** Items given. */
  count: number
  /** Items whose caption is in the grammar (the others are left out of every mean). */
  scored: number
  /** Mean `overall` over scored items; null when none was scored. */
  overall: number | null
  /** Per attribute: share of scored items that have it and got it right. */
  accuracy: Partial<Record<AdherenceAttribute, number>>
  /** One entry per item, in order; null for a caption outside the grammar. */
  results: (AdherenceScore | null)[]
}
