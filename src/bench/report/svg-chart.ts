import { resolveCacheConfig } from '../../shared/presets'
import type { ModelBench, VariantResult } from '../result'

/**
 * Speedup vs PSNR, one point per cached variant: filled circle = achieved in wall time, filled
 * square = achieved in CPU time (both medians of the timed runs),
 * hollow = theoretical (blocks skipped), the F8B0 threshold sweep joined by a line. Plain SVG
 * written by code, so the chart in the README is regenerated with the numbers, never drawn by hand.
 */

const W = 640
const H = 400
const M = { left: 56, right: 150, top: 36, bottom: 48 }
const TARGET_PSNR = 30
const TARGET_SPEEDUP = 1.5
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf']

export function speedupPsnrSvg(b: ModelBench): string {
  const points = b.variants.filter((v) => v.preset !== 'none' && v.timing && v.psnrPooled !== null)
  const psnrs = points.map((v) => v.psnrPooled as number)
  const speeds = points.flatMap((v) => [
    v.timing?.speedup ?? 1,
    v.timing?.cpuSpeedup ?? 1,
    v.theoreticalSpeedup
  ])
  const x0 = Math.floor(Math.min(TARGET_PSNR - 5, ...psnrs) / 5) * 5
  const x1 = Math.ceil(Math.max(TARGET_PSNR + 5, ...psnrs) / 5) * 5
  const y1 = Math.ceil(Math.max(2, ...speeds) * 2) / 2
  const y0 = Math.min(1, Math.floor(Math.min(...speeds) * 2) / 2)
  const px = (v: number) => M.left + ((v - x0) / (x1 - x0)) * (W - M.left - M.right)
  const py = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0)) * (H - M.top - M.bottom)
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="20" font-size="13" font-weight="bold">${esc(b.name)}: speedup vs PSNR (vs uncached), ${b.steps} steps</text>`
  ]
  // Axes, grid and ticks.
  for (let x = x0; x <= x1; x += 5) {
    out.push(line(px(x), py(y0), px(x), py(y1), '#eee'))
    out.push(text(px(x), H - M.bottom + 16, `${x}`, 'middle'))
  }
  for (let y = y0; y <= y1 + 1e-9; y += 0.5) {
    out.push(line(px(x0), py(y), px(x1), py(y), '#eee'))
    out.push(text(M.left - 6, py(y) + 4, `${y.toFixed(1)}×`, 'end'))
  }
  out.push(line(px(x0), py(y0), px(x1), py(y0), '#333'), line(px(x0), py(y0), px(x0), py(y1), '#333'))
  out.push(
    text(
      (px(x0) + px(x1)) / 2,
      H - 12,
      'PSNR vs uncached output (dB, pooled over prompts and seeds)',
      'middle'
    )
  )
  out.push(
    `<text transform="translate(14 ${(py(y0) + py(y1)) / 2}) rotate(-90)" text-anchor="middle">speedup over none (×)</text>`
  )
  // Acceptance targets.
  out.push(line(px(TARGET_PSNR), py(y0), px(TARGET_PSNR), py(y1), '#999', '4 3'))
  out.push(line(px(x0), py(TARGET_SPEEDUP), px(x1), py(TARGET_SPEEDUP), '#999', '4 3'))
  out.push(text(px(TARGET_PSNR) + 4, py(y1) + 12, `${TARGET_PSNR} dB`, 'start', '#777'))
  // The F8B0 sweep as a line, by threshold.
  const sweep = points.filter((v) => v.preset === 'F8B0').sort((a, c) => threshold(a) - threshold(c))
  if (sweep.length > 1) {
    const d = sweep.map(
      (v, i) =>
        `${i ? 'L' : 'M'}${px(v.psnrPooled as number).toFixed(1)} ${py(v.timing?.speedup ?? 1).toFixed(1)}`
    )
    out.push(`<path d="${d.join(' ')}" fill="none" stroke="#bbb" stroke-width="1.5"/>`)
  }
  points.forEach((v, i) => {
    const c = COLORS[i % COLORS.length]
    const x = px(v.psnrPooled as number)
    out.push(
      `<circle cx="${x.toFixed(1)}" cy="${py(v.theoreticalSpeedup).toFixed(1)}" r="5" fill="none" stroke="${c}" stroke-width="1.5"/>`
    )
    out.push(`<circle cx="${x.toFixed(1)}" cy="${py(v.timing?.speedup ?? 1).toFixed(1)}" r="5" fill="${c}"/>`)
    out.push(square(x, py(v.timing?.cpuSpeedup ?? 1), c))
    // Legend.
    const ly = M.top + 10 + i * 18
    out.push(`<circle cx="${W - M.right + 16}" cy="${ly}" r="5" fill="${c}"/>`)
    out.push(text(W - M.right + 26, ly + 4, v.label))
  })
  const ly = M.top + 10 + points.length * 18 + 8
  out.push(
    `<circle cx="${W - M.right + 16}" cy="${ly}" r="5" fill="#333"/>`,
    text(W - M.right + 26, ly + 4, 'achieved, wall')
  )
  out.push(square(W - M.right + 16, ly + 18, '#333'), text(W - M.right + 26, ly + 22, 'achieved, CPU'))
  out.push(
    `<circle cx="${W - M.right + 16}" cy="${ly + 36}" r="5" fill="none" stroke="#333" stroke-width="1.5"/>`,
    text(W - M.right + 26, ly + 40, 'theoretical (blocks)')
  )
  out.push('</svg>')
  return out.join('\n') + '\n'
}

function threshold(v: VariantResult): number {
  return resolveCacheConfig(v.preset, v.overrides).residualDiffThreshold
}

function square(x: number, y: number, fill: string): string {
  return `<rect x="${(x - 4).toFixed(1)}" y="${(y - 4).toFixed(1)}" width="8" height="8" fill="${fill}" fill-opacity="0.6"/>`
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, dash?: string): string {
  const d = dash ? ` stroke-dasharray="${dash}"` : ''
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${stroke}"${d}/>`
}

function text(x: number, y: number, s: string, anchor = 'start', fill = '#222'): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" fill="${fill}">${esc(s)}</text>`
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
