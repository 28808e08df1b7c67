import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { decode } from 'fast-png'
import { summarizeTraces } from '../../shared/cache-summary'
import type { CacheSummary, ContextSummary, Quantiles } from '../../shared/trace'
import { SavedTraceSchema, TRACE_KEY, type SavedTrace } from '../../shared/trace'
import { consoleIO, type CliIO } from '../io'

/**
 * `studio summary OUTPUT`: the cache summary of a saved output, like `cache_dit.summary` —
 * per (transformer, block list, branch): cached steps and the distance quantiles.
 */

export const SUMMARY_USAGE = `Usage: studio summary OUTPUT [--details] [--json]

OUTPUT is a generated image or video (its sidecar OUTPUT.json, or a PNG's "${TRACE_KEY}" text
chunk), a JSON file with { trace, summary? }, or a folder holding trace.json or entry.json.
  --details   also print the cached step indices and every recorded distance
  --json      print the summary as JSON`

export async function summaryCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        details: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (e) {
    io.err(`studio summary: ${(e as Error).message}`)
    return 2
  }
  if (parsed.values.help) {
    io.out(SUMMARY_USAGE)
    return 0
  }
  if (parsed.positionals.length !== 1) {
    io.err(SUMMARY_USAGE)
    return 2
  }
  const path = parsed.positionals[0]
  let saved: SavedTrace
  try {
    saved = readSavedTrace(path)
  } catch (e) {
    io.err(`studio summary: ${(e as Error).message}`)
    return 1
  }
  const summary = saved.summary ?? summarizeTraces(saved.trace)
  if (parsed.values.json) io.out(JSON.stringify(summary, null, 2))
  else for (const line of formatSummary(summary, parsed.values.details ?? false)) io.out(line)
  return 0
}

/** The trace saved with an output, wherever the output keeps it. */
export function readSavedTrace(path: string): SavedTrace {
  if (!existsSync(path)) throw new Error(`${path}: no such file`)
  if (statSync(path).isDirectory()) {
    for (const name of ['trace.json', 'entry.json']) {
      const file = join(path, name)
      if (existsSync(file)) return parseJson(file, readFileSync(file, 'utf8'))
    }
    throw new Error(`${path}: no trace.json or entry.json in this folder`)
  }
  if (path.toLowerCase().endsWith('.json')) return parseJson(path, readFileSync(path, 'utf8'))
  if (path.toLowerCase().endsWith('.png')) {
    const text = decode(readFileSync(path)).text[TRACE_KEY]
    if (text !== undefined) return parseJson(`${path} (${TRACE_KEY})`, text)
  }
  // A sidecar beside the output (what `studio generate` writes, also for GIFs).
  const sidecar = `${path}.json`
  if (existsSync(sidecar)) return parseJson(sidecar, readFileSync(sidecar, 'utf8'))
  const png = path.toLowerCase().endsWith('.png') ? `no "${TRACE_KEY}" text chunk and ` : ''
  throw new Error(`${path}: ${png}no sidecar ${sidecar}`)
}

function parseJson(where: string, text: string): SavedTrace {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`)
  }
  const parsed = SavedTraceSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`${where}: not a saved trace (${issue.path.join('.') || 'root'}: ${issue.message})`)
  }
  return parsed.data
}

const HEADER = [
  'Transformer',
  'Context',
  'Branch',
  'Cached',
  'Computed',
  'Diffs Min',
  'P25',
  'P50',
  'P75',
  'P95',
  'Max'
]

/** A Markdown table like cache_dit.summary's, one row per context; distances to 3 decimals. */
export function formatSummary(summary: CacheSummary, details = false): string[] {
  const rows = summary.contexts.map((c) => [
    c.transformer,
    c.context,
    c.branch,
    String(c.cachedCount),
    String(c.computedCount),
    ...quantileCells(c.quantiles)
  ])
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  const lines = [line(HEADER), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)]
  lines.push(
    `Blocks run: ${summary.blocksRun} of ${summary.blocksTotal} ` +
      `(theoretical block speedup ${summary.theoreticalBlockSpeedup.toFixed(2)}×)`
  )
  if (details) for (const c of summary.contexts) lines.push(...detailLines(c))
  return lines
}

function quantileCells(q: Quantiles | null): string[] {
  if (q === null) return ['-', '-', '-', '-', '-', '-']
  return [q.min, q.p25, q.p50, q.p75, q.p95, q.max].map((v) => v.toFixed(3))
}

function detailLines(c: ContextSummary): string[] {
  const diffs = Object.entries(c.residualDiffs)
    .map(([step, d]) => `${step}: ${d.toFixed(4)}`)
    .join(', ')
  return [
    `${c.transformer}/${c.context} (${c.branch})`,
    `  cached steps: [${c.cachedSteps.join(', ')}]`,
    `  residual diffs: {${diffs}}`
  ]
}
