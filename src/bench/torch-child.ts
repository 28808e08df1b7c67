import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { z } from 'zod'

/**
 * The PyTorch side of the bench as a long-lived child (`python3 -m train.torch_reference --serve`,
 * tools/train/torch_bench.py `serve`): it loads the model and warms up eager and torch.compile
 * once, says so in one JSON line, then answers one JSON line per command line until its stdin
 * closes. Every line it writes is validated here; a line that is not what the protocol says, a
 * child that exits, or one that does not answer in time is an Error with a one-line message (and
 * the child is killed), never a hang.
 */

export const TorchReadySchema = z.object({
  ready: z.literal(true),
  torch: z.string(),
  threads: z.number().int(),
  interopThreads: z.number().int().nullable(),
  steps: z.number().int(),
  noiseFromFile: z.boolean(),
  /** The compiling warm-up (warmupSteps steps per preset), and eager's for scale; null: not compiled. */
  compiled: z
    .object({ warmupMs: z.number(), eagerWarmupMs: z.number(), warmupSteps: z.number().int() })
    .nullable(),
  compileError: z.string().nullable()
})
export type TorchReady = z.infer<typeof TorchReadySchema>

export const TorchRunSchema = z.object({
  stepMs: z.array(z.number()).min(1),
  totalMs: z.number(),
  cachedCalls: z.number().int(),
  calls: z.number().int()
})
export type TorchRun = z.infer<typeof TorchRunSchema>

/** A command the child could not carry out (bad input, a mode it lacks, torch.compile failing). */
const TorchRefusalSchema = z.object({ error: z.string() }).strict()
const TorchAnswerSchema = z.union([TorchRefusalSchema, TorchRunSchema.strict()])
export type TorchAnswer = z.infer<typeof TorchAnswerSchema>

export interface TorchCommand {
  mode: 'eager' | 'compile'
  /** A preset of torch_reference.py's PRESETS that the child warmed up. */
  cache: string
  /** Write this run's final latent (and image) as <save>.latent.f32 / <save>.image.f32. */
  save?: string
}

export interface TorchChildSpec {
  command: string
  args: readonly string[]
  env: NodeJS.ProcessEnv
  /** For the loading and warm-up (torch.compile compiles then: minutes). */
  readyTimeoutMs: number
  /** For each command's answer. */
  runTimeoutMs: number
  /** How the errors name the child, e.g. `/work/venv/bin/python3 -m train.torch_reference`. */
  label: string
}

/** Lines of stderr kept for the error message of a child that dies. */
const STDERR_TAIL = 20

export class TorchChild {
  private readonly queue: string[] = []
  private waiter: ((line: string | null) => void) | null = null
  private exitReason: string | null = null
  private readonly stderrTail: string[] = []
  private readonly exited: Promise<void>

  private constructor(
    private readonly child: ChildProcess,
    private readonly spec: TorchChildSpec
  ) {
    const out = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    out.on('line', (line) => {
      if (this.waiter) this.take(line)
      else this.queue.push(line)
    })
    const err = createInterface({ input: child.stderr as NodeJS.ReadableStream })
    err.on('line', (line) => {
      if (line.trim() === '') return
      this.stderrTail.push(line)
      if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift()
    })
    // Writing to a child that has gone fails asynchronously; the exit says why.
    child.stdin?.on('error', () => {})
    this.exited = new Promise((resolve) => {
      const done = (reason: string) => {
        this.exitReason ??= reason
        resolve()
      }
      child.on('error', (e) => done(`could not run: ${e.message}`))
      // 'close' comes after the child's stdout has ended, so every line it wrote was read first.
      child.on('close', (code, signal) => done(signal ? `killed by ${signal}` : `exited with code ${code}`))
    })
    void this.exited.then(() => this.take(null))
  }

  static start(spec: TorchChildSpec): TorchChild {
    const child = spawn(spec.command, [...spec.args], { env: spec.env, stdio: ['pipe', 'pipe', 'pipe'] })
    return new TorchChild(child, spec)
  }

  /** The first line: the child has loaded the model and warmed up every (mode, preset). */
  async ready(): Promise<TorchReady> {
    const line = await this.next(this.spec.readyTimeoutMs, 'its ready line')
    return this.parse(TorchReadySchema, line, 'as its ready line')
  }

  /** One timed run on the child's side; a refusal comes back as `{ error }`. */
  async run(cmd: TorchCommand): Promise<TorchAnswer> {
    if (this.exitReason !== null || !this.child.stdin?.writable)
      throw this.fail(`${this.exitReason ?? 'has closed its input'} before ${describe(cmd)}`)
    this.child.stdin.write(JSON.stringify(cmd) + '\n')
    const line = await this.next(this.spec.runTimeoutMs, `its answer to ${describe(cmd)}`)
    return this.parse(TorchAnswerSchema, line, `to ${describe(cmd)}`)
  }

  /** Closes its stdin (EOF: the child's signal to exit) and waits for it to exit with status 0. */
  async close(timeoutMs = 30_000): Promise<void> {
    this.child.stdin?.end()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs)
    await this.exited
    clearTimeout(timer)
    if (this.exitReason !== 'exited with code 0')
      throw this.fail(`${this.exitReason ?? 'did not exit'} after its input closed`)
  }

  /** Ends the child whatever state it is in (the bench's clean-up on an error). */
  kill(): void {
    if (this.exitReason === null) this.child.kill('SIGKILL')
  }

  private take(line: string | null): void {
    const w = this.waiter
    this.waiter = null
    w?.(line)
  }

  private next(timeoutMs: number, what: string): Promise<string> {
    const queued = this.queue.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    if (this.exitReason !== null) return Promise.reject(this.fail(`${this.exitReason} before ${what}`))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null
        this.kill()
        reject(this.fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}; killed`))
      }, timeoutMs)
      this.waiter = (line) => {
        clearTimeout(timer)
        if (line === null) reject(this.fail(`${this.exitReason ?? 'exited'} before ${what}`))
        else resolve(line)
      }
    })
  }

  private parse<T extends z.ZodTypeAny>(schema: T, line: string, what: string): z.infer<T> {
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch {
      json = undefined
    }
    const r = schema.safeParse(json)
    if (r.success) return r.data as z.infer<T>
    this.kill()
    const shown = line.length > 200 ? `${line.slice(0, 200)}…` : line
    const why = json === undefined ? 'not JSON' : r.error.issues[0]?.message
    throw this.fail(`answered ${JSON.stringify(shown)} ${what} (${why})`)
  }

  private fail(what: string): Error {
    const last = this.stderrTail.at(-1)
    return new Error(`${this.spec.label} ${what}${last && !what.includes(last) ? `: ${last}` : ''}`)
  }
}

function describe(cmd: TorchCommand): string {
  return `${cmd.mode} ${cmd.cache}`
}
