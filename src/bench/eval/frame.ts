import type { ShapeFeatures } from '../../shared/adherence'
import {
  DATASET_GEOMETRY,
  PALETTE,
  cellPosition,
  type ColorName,
  type PositionName,
  type ShapeName
} from '../../shared/prompt-grammar'
import { detectBackground } from './background'
import { nearestColor } from './color'
import { segmentShape } from './segment'
import { classifyShape, shapeFeatures } from './shape-features'

/** What one frame shows, read without reference to what the caption asked except its colour. */
export interface FrameReading {
  background: ColorName | null
  color: ColorName | null
  shape: ShapeName | null
  position: PositionName | null
  features: ShapeFeatures | null
  /** Bounding-box centre and centroid of the shape, 0..1 of width and height. */
  center: [number, number] | null
  centroid: [number, number] | null
  /** Shape area as a share of the frame. */
  area: number | null
}

const NOTHING: Omit<FrameReading, 'background'> = {
  color: null,
  shape: null,
  position: null,
  features: null,
  center: null,
  centroid: null,
  area: null
}

/** Grid centres of data.py as shares of the side: 7.5, 16, 24.5 of 32. */
const GRID = DATASET_GEOMETRY.gridCenters.map((c) => c / DATASET_GEOMETRY.size)

function nearestCell(v: number): number {
  let best = 0
  for (let k = 1; k < GRID.length; k++) if (Math.abs(v - GRID[k]) < Math.abs(v - GRID[best])) best = k
  return best
}

/**
 * Reads background, shape colour, shape and position from one RGBA frame. `named` (the caption's
 * shape colour) only steers which region is taken as the shape when several stand out; the colour
 * reported is always the one measured. Position uses the bounding-box centre, not the centroid:
 * an upward triangle's centroid sits 0.25 r below its drawn centre, its box centre only 0.075 r
 * above it, and the grid cells are only 8.5 px apart.
 */
export function readFrame(
  rgba: Uint8Array,
  width: number,
  height: number,
  named: ColorName | null
): FrameReading {
  const bg = detectBackground(rgba, width, height)
  // Without a background we cannot tell a shape from the rest (pure noise): report nothing.
  if (!bg.color) return { background: null, ...NOTHING }
  const steer = named && named !== bg.color ? PALETTE[named] : null
  const seg = segmentShape(rgba, width, height, bg.rgb, steer)
  if (!seg) return { background: bg.color, ...NOTHING }
  const c = seg.component
  const features = shapeFeatures(c, seg.mask, width)
  const center: [number, number] = [(c.x0 + c.x1 + 1) / 2 / width, (c.y0 + c.y1 + 1) / 2 / height]
  return {
    background: bg.color,
    color: nearestColor(seg.fg, bg.color),
    shape: classifyShape(features),
    position: cellPosition(nearestCell(center[0]), nearestCell(center[1])),
    features,
    center,
    centroid: [c.cx / width, c.cy / height],
    area: c.area / (width * height)
  }
}
