import { interpolateInferno } from 'd3-scale-chromatic'

/**
 * Inferno (matplotlib's perceptually uniform map, via d3) as a 256-entry RGB lookup table: dark
 * for small values, bright yellow for large ones, readable in greyscale and by colour-blind
 * viewers. Built once; `LUT[3 · k]` is the red of level k.
 */
let lut: Uint8Array | null = null

export function infernoLut(): Uint8Array {
  if (lut) return lut
  const table = new Uint8Array(256 * 3)
  for (let k = 0; k < 256; k++) {
    // d3 answers "#rrggbb".
    const hex = interpolateInferno(k / 255)
    table[k * 3] = parseInt(hex.slice(1, 3), 16)
    table[k * 3 + 1] = parseInt(hex.slice(3, 5), 16)
    table[k * 3 + 2] = parseInt(hex.slice(5, 7), 16)
  }
  lut = table
  return table
}
