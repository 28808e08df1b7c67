import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { Engine, sourceThreadEntry } from '../../src/main/engine/engine'
import { GenerateRequestSchema, type GenerateRequestInput } from '../../src/shared/generation'

/** `studio serve` / `studio worker` as real child processes, and the local engine they are compared with. */

export const FIXTURE_MODELS = resolve('test/fixtures/models')
const CLI = resolve('src/cli/index.ts')

export class StudioProcess {
  readonly lines: string[] = []
  readonly #child: ChildProcess
  readonly #waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = []
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  /** `removeOnExit`: a temp folder of the test's (the token file's) that goes with the process. */
  constructor(args: string[], removeOnExit?: string) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' }
    })
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => this.#line(line))
    }
    this.exited = new Promise((resolve) =>
      this.#child.on('close', (code, signal) => {
        if (removeOnExit) rmSync(removeOnExit, { recursive: true, force: true })
        resolve({ code, signal })
      })
    )
  }

  get pid(): number {
    return this.#child.pid as number
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** The first line (already printed or still to come) that matches. */
  waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    for (const line of this.lines) {
      const m = line.match(pattern)
      if (m) return Promise.resolve(m)
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms; got:\n${this.lines.join('\n')}`)),
        timeoutMs
      )
      this.#waiters.push({
        pattern,
        resolve: (m) => {
          clearTimeout(timer)
          resolve(m)
        }
      })
    })
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#child.kill(signal)
  }

  async stop(): Promise<void> {
    if (this.alive) this.#child.kill('SIGTERM')
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 15_000)
    await this.exited
    clearTimeout(timer)
  }

  #line(line: string): void {
    this.lines.push(line)
    for (const w of [...this.#waiters]) {
      const m = line.match(w.pattern)
      if (m) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1)
        w.resolve(m)
      }
    }
  }
}

/** A token file as serve wants it: mode 600 in a fresh temp folder. */
export function tokenFile(token = 'test-token-0123456789abcdef'): { path: string; token: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'studio-serve-')), 'token')
  writeFileSync(path, `${token}\n`)
  chmodSync(path, 0o600)
  return { path, token }
}

/** `studio serve` on a free loopback port, serving the fixture models on CPU with one thread. */
export async function startServe(
  extra: string[] = []
): Promise<{ server: StudioProcess; url: string; token: string }> {
  const { path, token } = tokenFile()
  const server = new StudioProcess(
    [
      'serve',
      '--port',
      '0',
      '--token-file',
      path,
      '--models-dir',
      FIXTURE_MODELS,
      '--provider',
      'cpu',
      '--threads',
      '1',
      ...extra
    ],
    dirname(path)
  )
  const m = await server.waitFor(/listening on (http:\/\/\S+)/)
  return { server, url: m[1], token }
}

/** The engine in this process, as `studio generate` runs it: what every served image must equal. */
export function localEngine(): Promise<Engine> {
  return Engine.create({
    modelDirs: { embedded: [FIXTURE_MODELS] },
    thread: sourceThreadEntry(),
    tuning: { intraOpThreads: 1 }
  })
}

export async function localPng(
  engine: Engine,
  input: Omit<GenerateRequestInput, 'provider'>
): Promise<Uint8Array> {
  const result = await engine.generate(GenerateRequestSchema.parse({ provider: 'cpu', ...input }))
  const png = result.files.find((f) => f.name === 'image.png')
  if (!png) throw new Error('no image.png')
  return png.bytes
}
