/**
 * The import rules eslint cannot see file by file (docs/architecture.md, "Doors"):
 * - no import cycle anywhere in src/ (type-only imports count: a circle of types is still a
 *   circle a reader has to hold in mind, and the next value import closes it for the bundler);
 * - the engine (src/main/engine) imports nothing from the rest of main: it runs under the CLI,
 *   the tests and the utility process alike (design.md, "Processes");
 * - only the CLI and `studio serve` import src/bench (benchmarking, calibration, the embedded
 *   models' evaluation): the app and the engine run without it.
 * Run by `npm run lint`; prints every cycle and every crossing, exits 1 if there is one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(ts|tsx)$/.test(name) ? [path] : []
  })
}

const options: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  jsx: ts.JsxEmit.ReactJSX
}
const host = ts.createCompilerHost(options)

/** The project files a file imports (static imports, re-exports and `import()` with a literal). */
function importsOf(file: string, SRC: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
  const out: string[] = []
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith('.')) continue
    const resolved = ts.resolveModuleName(ref.fileName, file, options, host).resolvedModule
    const target = resolved?.resolvedFileName
    if (target && target.startsWith(SRC) && !target.endsWith('.d.ts')) out.push(resolve(target))
  }
  return out
}

/**
 * Every import cycle in `root`/src and every import of main from the engine, one line each
 * (a cycle as one shortest path through it).
 */
export function importProblems(root: string): { files: number; problems: string[] } {
  const SRC = join(root, 'src')
  const ENGINE = join(SRC, 'main', 'engine') + sep
  const MAIN = join(SRC, 'main') + sep
  const BENCH = join(SRC, 'bench') + sep
  // Only the rooms beside the CLI may reach the bench (the app and the engine run without it).
  const BENCH_USERS = ['cli', 'serve', 'bench'].map((room) => join(SRC, room) + sep)
  const files = sourceFiles(SRC)
  const graph = new Map(files.map((f) => [f, importsOf(f, SRC)]))
  const rel = (f: string): string => relative(root, f)

  // Tarjan's strongly connected components: every component of more than one file holds a cycle.
  function cycles(): string[][] {
    let index = 0
    const idx = new Map<string, number>()
    const low = new Map<string, number>()
    const stack: string[] = []
    const onStack = new Set<string>()
    const found: string[][] = []
    const visit = (v: string): void => {
      idx.set(v, index)
      low.set(v, index++)
      stack.push(v)
      onStack.add(v)
      for (const w of graph.get(v) ?? []) {
        if (!idx.has(w)) {
          visit(w)
          low.set(v, Math.min(low.get(v)!, low.get(w)!))
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
      }
      if (low.get(v) === idx.get(v)) {
        const component: string[] = []
        let w: string
        do {
          w = stack.pop()!
          onStack.delete(w)
          component.push(w)
        } while (w !== v)
        if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component)
      }
    }
    for (const f of files) if (!idx.has(f)) visit(f)
    return found
  }

  /** One shortest cycle through `start` inside its component, to print something a reader can follow. */
  function cycleThrough(start: string, component: Set<string>): string[] {
    const prev = new Map<string, string>()
    const queue = [start]
    while (queue.length > 0) {
      const v = queue.shift()!
      for (const w of graph.get(v) ?? []) {
        if (!component.has(w)) continue
        if (w === start) {
          const path = [v]
          while (path[0] !== start) path.unshift(prev.get(path[0])!)
          return [...path, start]
        }
        if (!prev.has(w)) {
          prev.set(w, v)
          queue.push(w)
        }
      }
    }
    return [start]
  }

  const problems: string[] = []
  for (const component of cycles()) {
    const members = new Set(component)
    const first = [...component].sort()[0]
    problems.push(
      `import cycle (${component.length} files): ${cycleThrough(first, members).map(rel).join(' → ')}`
    )
  }
  for (const [file, targets] of graph) {
    if (!file.startsWith(ENGINE)) continue
    for (const t of targets)
      if (t.startsWith(MAIN) && !t.startsWith(ENGINE))
        problems.push(`engine imports main: ${rel(file)} → ${rel(t)}`)
  }
  for (const [file, targets] of graph) {
    if (BENCH_USERS.some((room) => file.startsWith(room))) continue
    for (const t of targets)
      if (t.startsWith(BENCH)) problems.push(`${roomOf(file)} imports the bench: ${rel(file)} → ${rel(t)}`)
  }
  return { files: files.length, problems }

  function roomOf(file: string): string {
    if (file.startsWith(ENGINE)) return 'engine'
    return relative(SRC, file).split(sep)[0]
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { files, problems } = importProblems(resolve(import.meta.dirname, '..'))
  if (problems.length > 0) {
    for (const p of problems) console.error(p)
    console.error(`check-imports: ${problems.length} problem(s) in ${files} files`)
    process.exit(1)
  }
  console.log(
    `check-imports: ${files} files, no import cycle, the engine imports nothing from main, only cli and serve reach the bench`
  )
}
