import { importedModelInfo, isImportedPackage } from '../../main/engine/import/imported-info'
import { readImportedManifest } from '../../main/engine/import/imported-manifest-file'
import { describePackage, type PackageDescription } from '../../main/engine/model/describe'
import { listModels } from '../../main/engine/model/registry'
import { commandFlags } from '../flags'
import { consoleIO, UsageError, type CliIO } from '../io'
import { modelDirs, pickModel } from '../models'
import { formatImported } from './inspect-imported'

/** `studio inspect MODEL`: a package's blocks, patterns, parameters and files, after full checks. */

export const INSPECT_USAGE = `Usage: studio inspect [MODEL | --model MODEL] [--json] [--models-dir DIR]
  MODEL        model id or package folder (default: the embedded shapes image model); an imported
               package shows what the importer found (lists, patterns, streams, contexts, hoisted nodes)
  --json       print the description as JSON
Loading checks the schema, every file's sha256 and every graph's inputs and outputs.`

const OPTIONS = {
  json: { type: 'boolean' },
  model: { type: 'string' },
  'models-dir': { type: 'string', multiple: true }
} as const

export async function inspectCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const parsed = commandFlags(argv, OPTIONS, INSPECT_USAGE, io)
  if (!parsed) return 0
  const { values, positionals } = parsed
  if (positionals.length > 1) throw new UsageError(`one MODEL at most, got ${positionals.length}`)
  const dirs = modelDirs(values['models-dir'] ?? [])
  const dir = await pickModel(values.model ?? positionals[0], dirs)
  if (await isImportedPackage(dir)) {
    const manifest = await readImportedManifest(dir)
    const info = await importedModelInfo(dir)
    if (values.json) io.out(JSON.stringify({ info, manifest }, null, 2))
    else for (const line of formatImported(manifest, dir, info.sizeOnDisk ?? 0, info.sizeBytes)) io.out(line)
    return 0
  }
  const embedded = (await listModels({ embedded: dirs.embedded, user: [] })).models.some(
    (m) => m.path === dir
  )
  const d = await describePackage(dir, embedded)
  if (values.json) io.out(JSON.stringify(d, null, 2))
  else for (const line of formatDescription(d)) io.out(line)
  return 0
}

export function formatDescription(d: PackageDescription): string[] {
  const i = d.info
  const size = `${i.output.width}×${i.output.height}${i.kind === 'video' ? `×${i.output.frames} @ ${i.output.fps ?? '?'} fps` : ''}`
  const lines = [
    `${i.id} — ${i.name} (${i.kind} ${size}${i.embedded ? ', embedded' : ''})`,
    `  path      ${i.path}`,
    `  latent    [${d.latent.join(', ')}], ${d.latentTokens ?? '?'} tokens per call, text ${d.maxLength} tokens, flow-match Euler shift ${d.shift}`,
    `  defaults  ${i.defaults.steps} steps, guidance ${i.defaults.guidanceScale}, CFG ${i.defaults.separateCfg ? 'separate' : 'batched'}, negative "${i.defaults.negativePrompt}"`,
    `  cache     mergeBlockLists ${d.mergeBlockLists}`,
    `  params    ${count(d.parameters)} in ${d.graphs.length} graphs`
  ]
  for (const t of i.transformers) {
    const own = d.graphs.filter((g) => g.role.startsWith(`${t.name}/`))
    lines.push(
      `  transformer ${t.name}, sigma in [${t.timestepRange.join(', ')}], ${count(own.reduce((n, g) => n + g.parameters, 0))} params`
    )
    for (const l of t.blockLists) {
      const blocks = own.filter((g) => g.role.startsWith(`${t.name}/${l.name}[`))
      const params = blocks.reduce((n, g) => n + g.parameters, 0)
      const sample = blocks[0]
      lines.push(
        `    ${l.name}: ${l.blocks} blocks, ${l.pattern}, ${count(params)} params; block in (${sample.inputs.join(', ')}) out (${sample.outputs.join(', ')})`
      )
    }
  }
  for (const g of d.graphs.filter((g) => !/\[\d+\]/.test(g.role))) {
    lines.push(
      `  ${g.role.padEnd(22)} ${g.file}: ${count(g.parameters)} params, in (${g.inputs.join(', ')}) out (${g.outputs.join(', ')})`
    )
  }
  const bytes = d.files.reduce((n, f) => n + f.bytes, 0)
  lines.push(`  files     ${d.files.length}, ${(bytes / 1024).toFixed(0)} KiB, sha256 verified`)
  for (const f of d.files) lines.push(`    ${f.file} (${(f.bytes / 1024).toFixed(1)} KiB)`)
  return lines
}

function count(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`
  return String(n)
}
