/**
 * How long the engine process takes to answer while it generates (docs/engine.md, "Threads";
 * cut 8 of docs/architecture.md). Two layouts, each a forked child speaking the real protocol
 * through the real server (server/server.ts) and the host's own spawner (engine-host/fork-spawner.ts):
 *   thread — the app's worker (engine/worker.ts): Engine, the pipeline on a worker thread;
 *   inline — tools/bench/loop-latency-child.ts: the same ModelRunner (thread/entry.ts) on the loop itself.
 * Rounds alternate the layouts. While each generation runs, a `status` request is sent every
 * PING_MS (open loop: a late answer does not delay the next request) and every 4th ping is a
 * `countTokens`; the answer times are reported as p50 / p99 / max, with the idle loop's for
 * reference (1 s idle), ms per step, and how long a cancel sent after step 3 takes to end the generation.
 *
 *   ROUNDS=3 STEPS=20 PING_MS=10 THREADS=1 npx tsx tools/bench/loop-latency.mts [MODEL_DIR]
 */
import { loadavg } from 'node:os'
import { basename, dirname, resolve } from 'node:path'
import { ForkSpawner } from '../../src/main/engine-host/fork-spawner'
import type { EngineChild } from '../../src/main/engine-host/spawner'
import { sourceThreadEntry } from '../../src/main/engine/engine'
import { engineArgs } from '../../src/shared/engine-options'
import type { EngineMessage } from '../../src/shared/engine-protocol'

const modelDir = resolve(process.argv[2] ?? 'resources/models/shapes-flux-tiny')
const rounds = Number(process.env.ROUNDS ?? '3')
const steps = Number(process.env.STEPS ?? '20')
const pingMs = Number(process.env.PING_MS ?? '10')
const threads = Number(process.env.THREADS ?? '1')
const prompt = 'a red circle at the center on a blue background'

type Layout = 'thread' | 'inline'
const ENTRY: Record<Layout, string> = {
  thread: resolve('src/main/engine/worker.ts'),
  inline: resolve('tools/bench/loop-latency-child.ts')
}

/** One forked engine: requests by id, answers as promises, progress to a listener. */
class Child {
  readonly #child: EngineChild
  readonly #waiting = new Map<string, (m: EngineMessage) => void>()
  #nextId = 1
  onProgress: (id: string) => void = () => undefined
  readonly ready: Promise<void>

  constructor(layout: Layout) {
    const thread = sourceThreadEntry()
    this.#child = new ForkSpawner({
      entry: ENTRY[layout],
      echoStderr: true,
      args: engineArgs({
        modelDirs: { embedded: [dirname(modelDir)] },
        thread: { url: String(thread.url), tsx: thread.tsx },
        defaultProvider: 'cpu',
        tuning: { intraOpThreads: threads }
      })
    }).spawn()
    this.ready = new Promise((ready) =>
      this.#child.onMessage((raw) => {
        const m = raw as EngineMessage
        if (m.kind === 'ready') ready()
        else if (m.kind === 'progress') this.onProgress(m.id)
        else if (m.kind === 'response') {
          this.#waiting.get(m.id)?.(m)
          this.#waiting.delete(m.id)
        }
      })
    )
  }

  request(method: string, params: unknown): { id: string; answer: Promise<EngineMessage> } {
    const id = `r${this.#nextId++}`
    const answer = new Promise<EngineMessage>((r) => this.#waiting.set(id, r))
    this.#child.postMessage({ kind: 'request', id, method, params })
    return { id, answer }
  }

  kill(): void {
    this.#child.kill()
  }
}

interface Figures {
  status: number[]
  tokens: number[]
  stepMs: number[]
  cancelMs: number[]
}

/** Pings every pingMs until `until` settles; the answer times of those sent before it settled. */
async function pingDuring(child: Child, until: Promise<unknown>, into: Figures): Promise<void> {
  let n = 0
  let done = false
  const answers: Promise<void>[] = []
  const timer = setInterval(() => {
    const method = ++n % 4 === 0 ? 'countTokens' : 'status'
    const params = method === 'status' ? {} : { model: basename(modelDir), text: prompt }
    const t0 = performance.now()
    const sentWhileRunning = !done
    answers.push(
      child.request(method, params).answer.then(() => {
        if (sentWhileRunning) (method === 'status' ? into.status : into.tokens).push(performance.now() - t0)
      })
    )
  }, pingMs)
  await until.finally(() => (done = true))
  clearInterval(timer)
  await Promise.all(answers)
}

async function generate(child: Child, into: Figures | null, cancelAfterStep?: number): Promise<void> {
  const params = { model: basename(modelDir), prompt, seed: 1, steps, provider: 'cpu' }
  const { id, answer } = child.request('generate', params)
  let progress = 0
  let last = performance.now()
  let cancelledAt = 0
  child.onProgress = (pid) => {
    if (pid !== id) return
    const now = performance.now()
    if (progress > 0) into?.stepMs.push(now - last)
    last = now
    if (++progress === cancelAfterStep) {
      cancelledAt = performance.now()
      child.request('cancel', { requestId: id })
    }
  }
  const done = answer.then((m) => {
    const ok = m.kind === 'response' && m.ok
    if (cancelAfterStep === undefined && !ok) throw new Error(`generate failed: ${JSON.stringify(m)}`)
    if (cancelAfterStep !== undefined) {
      if (m.kind !== 'response' || m.ok || m.error.code !== 'cancelled')
        throw new Error(`cancel did not cancel: ${JSON.stringify(m).slice(0, 200)}`)
      into?.cancelMs.push(performance.now() - cancelledAt)
    }
  })
  if (into && cancelAfterStep === undefined) await pingDuring(child, done, into)
  else await done
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN
}
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(1)}  p99 ${pct(xs, 99).toFixed(1)}  max ${pct(xs, 100).toFixed(1)} ms (n ${xs.length})`

const layouts: Layout[] = ['thread', 'inline']
const children = Object.fromEntries(layouts.map((l) => [l, new Child(l)])) as Record<Layout, Child>
const idle = Object.fromEntries(
  layouts.map((l) => [l, { status: [], tokens: [], stepMs: [], cancelMs: [] } as Figures])
) as Record<Layout, Figures>
const figures = Object.fromEntries(
  layouts.map((l) => [l, { status: [], tokens: [], stepMs: [], cancelMs: [] } as Figures])
) as Record<Layout, Figures>
try {
  await Promise.all(layouts.map((l) => children[l].ready))
  for (const l of layouts) {
    // The idle loop, then a first generation that loads the model (not counted).
    await pingDuring(children[l], new Promise((r) => setTimeout(r, 1000)), idle[l])
    await generate(children[l], null)
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? layouts : [...layouts].reverse()
    for (const l of order) {
      await generate(children[l], figures[l])
      await generate(children[l], figures[l], 3)
      console.error(`round ${r + 1}/${rounds} ${l} done`)
    }
  }
  console.log(
    `${basename(modelDir)}, ${steps} steps, ${threads} intra-op thread(s), a request every ${pingMs} ms, ${rounds} rounds, load ${loadavg()[0].toFixed(1)}`
  )
  for (const l of layouts) {
    const f = figures[l]
    console.log(`${l}:`)
    console.log(`  idle status      ${fmt(idle[l].status)}`)
    console.log(`  idle countTokens ${fmt(idle[l].tokens)}`)
    console.log(`  status           ${fmt(f.status)}`)
    console.log(`  countTokens      ${fmt(f.tokens)}`)
    console.log(`  step             ${fmt(f.stepMs)}`)
    console.log(`  cancel → answer  ${fmt(f.cancelMs)}`)
  }
  const ratio = pct(figures.inline.status, 99) / pct(figures.thread.status, 99)
  console.log(`status p99 inline / thread: ×${ratio.toFixed(1)}`)
} finally {
  for (const l of layouts) children[l].kill()
}
