import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, watch } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importModel } from '../../src/main/engine/app-import/import-model'
import { importOnThread, sourceImportThreadEntry } from '../../src/main/engine/app-import/import-on-thread'
import { Engine, EngineFailure, sourceThreadEntry } from '../../src/main/engine/engine'
import { importedModelInfo } from '../../src/main/engine/import/imported-info'
import { EngineServer } from '../../src/main/engine/server/server'
import type { ServedEngine } from '../../src/main/engine/server/served-engine'
import type { EngineMessage } from '../../src/shared/engine-protocol'
import { FLUX_TINY } from '../import/helpers'
import { FIXTURES } from './fixtures'
import { writeManyNodeTransformer } from './many-node-transformer'

/**
 * Issue #15: the app's Add model runs the importer on a thread of its own
 * (engine/app-import/import-on-thread.ts), so the engine's message loop answers status while a
 * FLUX-shaped transformer graph (~80k nodes, built at test time) is decoded and cut. The same
 * import run on the loop, as before, holds those answers for the length of the cut: measured
 * here too, so the graph is known to be large enough for the bound to mean something.
 */

const root = mkdtempSync(join(tmpdir(), 'cs-import-thread-'))
const folder = join(root, 'flux-many')
let nodes = 0
let engine: Engine

beforeAll(async () => {
  cpSync(join(FLUX_TINY, 'onnx'), folder, { recursive: true })
  for (const f of readdirSync(join(folder, 'transformer')))
    if (f !== 'config.json') rmSync(join(folder, 'transformer', f))
  // 57 blocks as FLUX.1 has (19 + 38), ~1400 nodes each: four times a FLUX.1 graph's ~20k nodes, so
  // that the cut holds the loop (when run there) well past the tail bound below even on a quiet machine.
  nodes = writeManyNodeTransformer(join(folder, 'transformer'), 57, 1400)
  engine = await Engine.create({ modelDirs: { embedded: [FIXTURES] }, thread: sourceThreadEntry() })
})
afterAll(async () => {
  await engine?.dispose()
  rmSync(root, { recursive: true, force: true })
})

/**
 * The slowest answers allowed (p99) with the import on its thread. Nothing of the import runs on
 * the loop, but this machine's two cores are shared by several test runs at once, and the
 * scheduler alone then holds the loop for up to ~180 ms now and then (measured: one such stall
 * makes 15 late answers in a row); the cut on the loop holds it about a second.
 */
const TAIL_MS = 250

let modelsDirs = 0
const freshModelsDir = () => join(root, `models-${++modelsDirs}`)

/** An EngineServer over an in-process transport: requests in, the messages it sends out. */
function serve(served: ServedEngine) {
  let deliver: (message: unknown) => void = () => undefined
  const waiting = new Map<string, (m: EngineMessage) => void>()
  const progress: string[] = []
  new EngineServer(served, {
    send: (m) => {
      const message = m as EngineMessage
      if (message.kind === 'importProgress') progress.push(message.event.line)
      if (message.kind === 'response') waiting.get(message.id)?.(message)
    },
    onMessage: (listener) => (deliver = listener)
  }).start()
  let next = 0
  const request = (method: string, params: unknown = {}) => {
    const id = `${method}-${++next}`
    const answer = new Promise<EngineMessage>((resolve) => waiting.set(id, resolve))
    deliver({ kind: 'request', id, method, params })
    return { id, answer }
  }
  return { request, progress }
}

/**
 * Status asked every 10 ms, as a host would send it, until `running` settles; each answer's
 * latency counted from when it was due. A request due while the loop is blocked is sent once the
 * loop runs again (as a host's message waits in the channel meanwhile) and counts the wait.
 */
async function statusLatencies(
  server: ReturnType<typeof serve>,
  running: Promise<unknown>
): Promise<number[]> {
  const latencies: Promise<number>[] = []
  let doneAt = Infinity
  void running.finally(() => (doneAt = performance.now()))
  const start = performance.now()
  for (let k = 0; start + 10 * k <= doneAt; k++) {
    const due = start + 10 * k
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())))
    if (due > doneAt) break
    const { answer } = server.request('status')
    latencies.push(answer.then(() => performance.now() - due))
  }
  return Promise.all(latencies)
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

const describeMs = (l: number[]) =>
  `${l.length} status requests, p50 ${percentile(l, 50).toFixed(1)} ms, p99 ${percentile(l, 99).toFixed(1)} ms, max ${Math.max(...l).toFixed(1)} ms`

describe('importModel on the import thread', () => {
  it('answers status within 100 ms (p90; p99 within 250 ms) while an 80k-node FLUX-shaped transformer is cut; the same import on the loop does not', async () => {
    expect(nodes).toBeGreaterThan(80_000)

    const threaded = serve(engine)
    const modelsDir = freshModelsDir()
    const imp = threaded.request('importModel', { folder, modelsDir })
    const during = await statusLatencies(threaded, imp.answer)
    const answer = await imp.answer
    expect(answer).toMatchObject({ kind: 'response', ok: true, result: { reused: false } })
    expect(threaded.progress).toContain(`cutting transformer/model.onnx (${nodes} nodes)`)
    expect(readdirSync(modelsDir)).toEqual(['flux-many'])

    // Before: the importer on the loop (what Engine.importModel called), the same measurement.
    const inline = serve({ ...statusOnly(engine), importModel: (params) => importModel(params) })
    const before = inline.request('importModel', { folder, modelsDir: freshModelsDir() })
    const blocked = await statusLatencies(inline, before.answer)
    expect(await before.answer).toMatchObject({ ok: true })

    console.log(`import on its thread: ${describeMs(during)}; on the loop: ${describeMs(blocked)}`)
    expect(during.length).toBeGreaterThan(20)
    expect(percentile(during, 90)).toBeLessThan(100)
    expect(percentile(during, 99)).toBeLessThan(TAIL_MS)
    // On the loop most answers wait for the cut (about a second here).
    expect(percentile(blocked, 90)).toBeGreaterThan(100)
    expect(Math.max(...blocked)).toBeGreaterThan(TAIL_MS)
  }, 120_000)

  it('EXPECTED FAILURE - a cancel while the graph is cut ends the thread and leaves nothing in the models folder', async () => {
    const server = serve(engine)
    const modelsDir = freshModelsDir()
    mkdirSync(modelsDir)
    const imp = server.request('importModel', { folder, modelsDir })
    while (!server.progress.some((l) => l.startsWith('cutting '))) await new Promise((r) => setTimeout(r, 5))
    const cancel = await server.request('cancel', { requestId: imp.id }).answer
    expect(cancel).toMatchObject({ ok: true, result: { cancelled: true } })
    expect(await imp.answer).toMatchObject({
      ok: false,
      error: { code: 'cancelled', message: 'import cancelled' }
    })
    expect(readdirSync(modelsDir)).toEqual([])
    // The engine imports again after it.
    const again = await server.request('importModel', { folder, modelsDir }).answer
    expect(again).toMatchObject({ ok: true, result: { model: { id: 'flux-many' } } })
  }, 120_000)

  it('EXPECTED FAILURE - an import stopped while the package is written leaves no partial folder, only a whole package or none', async () => {
    const modelsDir = freshModelsDir()
    mkdirSync(modelsDir)
    const controller = new AbortController()
    // The first entry the importer makes is its `.flux-many.partial` folder: stop it then.
    const watcher = watch(modelsDir, () => controller.abort())
    try {
      const outcome = await engine.importModel({ folder, modelsDir }, { signal: controller.signal }).then(
        () => 'imported',
        (e: unknown) => {
          expect(e).toBeInstanceOf(EngineFailure)
          expect((e as EngineFailure).code).toBe('cancelled')
          return 'cancelled'
        }
      )
      const left = readdirSync(modelsDir)
      console.log(`stopped while writing: ${outcome}, the models folder holds [${left.join(', ')}]`)
      expect(left.filter((e) => e.endsWith('.partial'))).toEqual([])
      // A package that was renamed into place before the stop is whole.
      if (left.length > 0)
        expect((await importedModelInfo(join(modelsDir, 'flux-many'))).id).toBe('flux-many')
      expect(controller.signal.aborted).toBe(true)
    } finally {
      watcher.close()
    }
  }, 120_000)

  it('EXPECTED FAILURE - a broken folder fails with the importer’s one-line error, code and message kept across the thread', async () => {
    const broken = join(root, 'broken')
    cpSync(folder, broken, { recursive: true })
    rmSync(join(broken, 'scheduler'), { recursive: true })
    const direct = await importModel({ folder: broken, modelsDir: freshModelsDir() }).then(
      () => null,
      (e: EngineFailure) => ({ code: e.code, message: e.message })
    )
    expect(direct?.code).toBe('model_invalid')
    const modelsDir = freshModelsDir()
    const e = await engine.importModel({ folder: broken, modelsDir }).then(
      () => null,
      (x: unknown) => x
    )
    expect(e).toBeInstanceOf(EngineFailure)
    expect({ code: (e as EngineFailure).code, message: (e as EngineFailure).message }).toEqual(direct)
    expect((e as EngineFailure).message).not.toContain('\n')
    expect(existsSync(modelsDir) ? readdirSync(modelsDir) : []).toEqual([])
  }, 120_000)

  it('EXPECTED FAILURE - disposing the engine during an import ends its thread: the import fails as engine_crashed', async () => {
    const own = await Engine.create({ modelDirs: { embedded: [FIXTURES] }, thread: sourceThreadEntry() })
    const modelsDir = freshModelsDir()
    const progress: string[] = []
    const running = own.importModel({ folder, modelsDir }, { onProgress: (p) => progress.push(p.line) })
    const outcome = running.then(
      () => null,
      (e: unknown) => e
    )
    while (!progress.some((l) => l.startsWith('cutting '))) await new Promise((r) => setTimeout(r, 5))
    await own.dispose()
    const e = await outcome
    expect(e).toBeInstanceOf(EngineFailure)
    expect((e as EngineFailure).code).toBe('engine_crashed')
    expect((e as EngineFailure).message).toBe('the engine was disposed')
    expect(existsSync(modelsDir) ? readdirSync(modelsDir) : []).toEqual([])
  }, 120_000)
})

describe('the import thread out of heap', () => {
  it('EXPECTED FAILURE - a graph beyond the thread’s heap ends the import as resources, in one line, and leaves nothing', async () => {
    const modelsDir = freshModelsDir()
    const resourceLimits = { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 }
    // The limit leaves room for the importer itself: flux-tiny's small graphs import within it.
    const small = await importOnThread(
      sourceImportThreadEntry(),
      { folder: join(FLUX_TINY, 'onnx'), modelsDir: freshModelsDir() },
      { resourceLimits }
    )
    expect(small.reused).toBe(false)
    const e = await importOnThread(sourceImportThreadEntry(), { folder, modelsDir }, { resourceLimits }).then(
      () => null,
      (x: unknown) => x
    )
    expect(e).toBeInstanceOf(EngineFailure)
    expect((e as EngineFailure).code).toBe('resources')
    expect((e as EngineFailure).message).toMatch(/^the import thread stopped: .*out of memory/)
    expect((e as EngineFailure).message).not.toContain('\n')
    expect(existsSync(modelsDir) ? readdirSync(modelsDir) : []).toEqual([])
    // The process that ran it goes on: the same import with Node's default heap succeeds.
    const ok = await importOnThread(sourceImportThreadEntry(), { folder, modelsDir })
    expect(ok.model.id).toBe('flux-many')
  }, 120_000)
})

/** The engine's quick methods alone: the server of the "before" measurement brings its own importModel. */
function statusOnly(e: Engine): ServedEngine {
  return {
    status: () => e.status(),
    listModels: (p) => e.listModels(p),
    inspectModel: (p) => e.inspectModel(p),
    countTokens: (p) => e.countTokens(p),
    runGenerate: (r, o) => e.runGenerate(r, o)
  }
}
