import { readFile, writeFile } from 'node:fs/promises'
import type { BenchReport } from '../result'
import { layoutNote } from './format'
import { chartFile } from './markdown'
import { markdownTable } from './table'
import { torchSummary } from './torch'

/**
 * The README's "Benchmarks" section shows the same table as docs/bench/README.md: the bench
 * rewrites what sits between these markers, so the README's numbers are never typed by hand.
 */

export const README_START = '<!-- bench:start (written by `npm run bench`; do not edit) -->'
export const README_END = '<!-- bench:end -->'

export function readmeBlock(r: BenchReport, reportDir: string, note: string | null): string {
  const m = r.machine
  const lines = [
    README_START,
    `Made by \`${r.command}\` on ${r.createdAt.slice(0, 10)}: ${m.cpus} × ${m.cpuModel}, CPU, ` +
      `${m.threads} threads${layoutNote(m)}, 1-min load average ${m.loadStart.toFixed(1)}→${m.loadEnd.toFixed(1)}` +
      (note ? ` (${note})` : '') +
      '.',
    ''
  ]
  for (const b of r.models) {
    lines.push(
      `**${b.name}** (\`${b.model}\`, ${b.steps} steps, ${b.prompts.length} prompts × ${b.seeds.length} seeds):`,
      '',
      ...markdownTable(b),
      '',
      ...(b.torch ? [torchSummary(b.torch), ''] : []),
      `![speedup vs PSNR, ${b.model}](${reportDir}/${chartFile(b)})`,
      ''
    )
  }
  lines.push(
    `Full report, PyTorch comparison and diff distributions: [${reportDir}/README.md](${reportDir}/README.md).`
  )
  lines.push(README_END)
  return lines.join('\n')
}

/** Replaces the block in `path`; false (file untouched) when the file or its markers are missing. */
export async function updateReadme(path: string, block: string): Promise<boolean> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return false
  }
  const start = text.indexOf(README_START)
  const end = text.indexOf(README_END)
  if (start < 0 || end < start) return false
  await writeFile(path, text.slice(0, start) + block + text.slice(end + README_END.length))
  return true
}
