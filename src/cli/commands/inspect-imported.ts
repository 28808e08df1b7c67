import type { ImportedManifest } from '../../shared/imported-manifest'

/** `studio inspect` of an imported package: what the importer found in the source folder. */
export function formatImported(
  m: ImportedManifest,
  dir: string,
  sizeOnDisk: number,
  packageBytes: number
): string[] {
  const a = m.analysis
  const lines = [
    `${m.id} — ${m.name} (imported ${m.family}, ${m.kind}, ${m.source.precision}, ${m.source.exporter} export)`,
    `  path      ${dir}`,
    `  source    ${m.source.dir}`,
    `  size      package ${kib(packageBytes)}; with the source files it uses ${kib(sizeOnDisk)}`,
    `  defaults  ${m.defaults.steps} steps, guidance ${m.defaults.guidanceScale}, ${m.defaults.width}×${m.defaults.height} (multiples of ${m.sizes.multipleOf}, at most ${m.sizes.max})`,
    `  graph     ${a.nodes} nodes`
  ]
  for (const l of a.lists)
    lines.push(
      `  list      ${l.name}: ${l.blocks} blocks, ${l.pattern}; streams in: hidden ${l.streamsIn.hidden}, encoder ${l.streamsIn.encoder ?? 'none'}`
    )
  lines.push(`  contexts  ${a.contexts.length}`)
  for (const c of a.contexts) lines.push(`    ${c.name} (${c.type}), read by ${c.readBy} graphs`)
  const cross = m.transformers.flatMap((t) => (t.crossBlockReads ?? []).map((r) => ({ t: t.name, ...r })))
  if (cross.length > 0) {
    lines.push(
      `  cross-block reads  ${cross.length} (cache configs that part a producer from its reader are refused)`
    )
    for (const r of cross)
      lines.push(`    ${r.t}: ${r.list}.${r.to} reads "${r.tensor}", made in ${r.list}.${r.from}`)
  }
  lines.push(`  hoisted   ${a.hoisted.count} nodes moved from the blocks into the embed graph`)
  for (const h of a.hoisted.examples) lines.push(`    ${h}`)
  const external = Object.entries(m.sourceFiles).filter(([f]) => !f.endsWith('.json') && !f.endsWith('.onnx'))
  lines.push(`  external data  ${external.length ? '' : 'none'}`)
  for (const [f, s] of external) lines.push(`    ${f} (${kib(s.size)}), referenced in place`)
  for (const [name, c] of Object.entries(m.components))
    lines.push(
      `  ${name.padEnd(14)} ${c.file}${'inputs' in c ? ` in (${c.inputs.join(', ')}) out (${c.outputs.join(', ')})` : ''}`
    )
  for (const n of a.notes) lines.push(`  note      ${n}`)
  return lines
}

function kib(n: number): string {
  return n >= 2 ** 30
    ? `${(n / 2 ** 30).toFixed(2)} GiB`
    : n >= 2 ** 20
      ? `${(n / 2 ** 20).toFixed(1)} MiB`
      : `${(n / 1024).toFixed(0)} KiB`
}
