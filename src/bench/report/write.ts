import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BenchReport } from '../result'
import { chartFile, markdownReport } from './markdown'
import { speedupPsnrSvg } from './svg-chart'

/** Writes bench.json, README.md and one SVG chart per model into `dir`; returns the paths. */
export async function writeReport(
  r: BenchReport,
  dir: string,
  note: string | null = null
): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const written: string[] = []
  const put = async (name: string, text: string) => {
    const path = join(dir, name)
    await writeFile(path, text)
    written.push(path)
  }
  await put('bench.json', JSON.stringify(r, null, 1) + '\n')
  for (const b of r.models) await put(chartFile(b), speedupPsnrSvg(b))
  await put('README.md', markdownReport(r, note))
  return written
}
