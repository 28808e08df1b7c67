import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compareImages } from '../main/engine/metrics/compare'
import { gaussianNoise } from '../main/engine/pipeline/noise'
import { toFrames } from '../main/engine/pipeline/decode'
import { tensor } from '../main/engine/tensor'
import type { Measured } from './measure'
import type { RoundRatios, TorchComparison } from './result'
import { maxAbsDiff, median } from './stats'
import { TorchChild, type TorchChildSpec, type TorchCommand } from './torch-child'

/**
 * The PyTorch original of the same package (`python3 -m train.torch_reference --serve`, the module
 * tools/train/torch_reference.py of the `train` package in tools/; weights read back from the ONNX
 * files), run as one long-lived child process (torch-child.ts) with the engine's initial noise,
 * the same steps, guidance, CFG mode (two calls per step) and thread count. It warms up eager and,
 * with `compile`, torch.compile once, untimed (the compiling warm-up is timed apart), then the bench
 * runs R rounds, each an engine run, an eager run and a compile run back to back per preset
 * (uncached and its plain DBCache, F8B0): the machine's speed drifts 10–15 % from minute to minute
 * here, more than the margins measured, so each round's ratio compares runs made within a second
 * of each other, and the report gives the median and the range of those ratios (docs/engine.md,
 * "Where the engine stands against PyTorch 2.13"). The first round's uncached outputs are compared
 * with the engine's uncached output of the same noise.
 */

export interface TorchOptions {
  python: string
  /** The folder that holds the `train` package (tools/), put on PYTHONPATH. */
  toolsDir: string
  /** Interleaved rounds (engine, eager, compile per preset). */
  repeats: number
  threads: number
  /** Also time torch.compile of the model (a torch without it is reported, not fatal). */
  compile: boolean
  /** For loading the model and the warm-ups (torch.compile compiles for minutes). */
  timeoutMs: number
  /** For each timed run's answer. */
  runTimeoutMs: number
}

/** The PyTorch reference, run as a module of the `train` package (tools/pyproject.toml). */
export const TORCH_MODULE = 'train.torch_reference'

export const DEFAULT_TORCH: Omit<TorchOptions, 'threads'> = {
  python: '/usr/bin/python3',
  toolsDir: fileURLToPath(new URL('../../tools', import.meta.url)),
  repeats: 2,
  compile: true,
  timeoutMs: 30 * 60_000,
  runTimeoutMs: 5 * 60_000
}

export interface CompareWithTorchInput extends TorchOptions {
  dir: string
  prompt: string
  seed: number
  steps: number
  video: boolean
  /** The engine's uncached run of this prompt and seed (seeded noise), for the output comparison. */
  engine: Measured
  /** The engine's variant ids that have a PyTorch twin of the same name ('none', 'F8B0'), in order. */
  presets: readonly string[]
  /** One timed engine run of a preset, of the same prompt, seed and steps (warm already). */
  engineRun: (preset: string) => Promise<Measured>
  onRun?: (line: string) => void
}

/** How the child is started; tests hand in a fake child that speaks the same protocol. */
export type StartTorchChild = (spec: TorchChildSpec) => TorchChild

type Mode = TorchCommand['mode']

/** What the rounds collect per preset and side. */
interface Side {
  stepMs: number[]
  ratios: number[]
  cachedCalls: [number, number] | null
}

export async function compareWithTorch(
  i: CompareWithTorchInput,
  start: StartTorchChild = (spec) => TorchChild.start(spec)
): Promise<TorchComparison> {
  const work = await mkdtemp(join(tmpdir(), 'studio-bench-torch-'))
  const label = `${i.python} -m ${TORCH_MODULE}`
  let child: TorchChild | null = null
  try {
    // The engine's own noise for this seed, so both sides start from the same latent.
    const noisePath = join(work, 'noise.f32')
    await writeFile(noisePath, f32Bytes(gaussianNoise(i.seed, i.engine.latent.data.length)))
    const args = [
      '-m',
      TORCH_MODULE,
      '--serve',
      '--model',
      i.dir,
      '--prompt',
      i.prompt,
      '--seed',
      String(i.seed),
      '--steps',
      String(i.steps),
      '--threads',
      String(i.threads),
      '--noise',
      noisePath,
      '--bench-caches',
      i.presets.join(','),
      ...(i.compile ? ['--bench-compile'] : [])
    ]
    // glibc's allocator otherwise returns and re-faults PyTorch's buffers on every op (the
    // model engineer measured it): the settings tools/train uses for every run.
    const env = {
      ...process.env,
      PYTHONPATH: i.toolsDir,
      MALLOC_MMAP_THRESHOLD_: '33554432',
      MALLOC_TOP_PAD_: '1073741824'
    }
    const log = i.onRun ?? (() => {})
    log(`PyTorch: loading and warming up (${label}${i.compile ? ', torch.compile compiles now' : ''})…`)
    child = start({
      command: i.python,
      args,
      env,
      readyTimeoutMs: i.timeoutMs,
      runTimeoutMs: i.runTimeoutMs,
      label
    })
    const ready = await child.ready()
    let compileError = ready.compileError
    const modes: Mode[] = ready.compiled ? ['eager', 'compile'] : ['eager']
    const sides = new Map<string, Side>()
    const side = (mode: Mode | 'engine', p: string) => {
      const key = `${mode}:${p}`
      if (!sides.has(key)) sides.set(key, { stepMs: [], ratios: [], cachedCalls: null })
      return sides.get(key) as Side
    }
    for (let r = 0; r < i.repeats; r++) {
      for (const p of i.presets) {
        const engine = await i.engineRun(p)
        const engineSteps = engine.result.timings.perStepMs
        side('engine', p).stepMs.push(...engineSteps)
        const line = [`round ${r + 1}/${i.repeats} ${p}: engine ${median(engineSteps).toFixed(2)} ms/step`]
        for (const mode of [...modes]) {
          const save = r === 0 && p === 'none' ? join(work, mode) : undefined
          const answer = await child.run({ mode, cache: p, ...(save ? { save } : {}) })
          if ('error' in answer) {
            // A compiler failure loses the compile column, not the eager one (nor the bench).
            if (mode !== 'compile') throw new Error(`${label}: ${mode} ${p}: ${answer.error}`)
            compileError = answer.error
            modes.splice(modes.indexOf('compile'), 1)
            continue
          }
          const s = side(mode, p)
          s.stepMs.push(...answer.stepMs)
          s.ratios.push(median(answer.stepMs) / median(engineSteps))
          s.cachedCalls = [answer.cachedCalls, answer.calls]
          line.push(
            `${mode} ${median(answer.stepMs).toFixed(2)} (${(s.ratios.at(-1) as number).toFixed(2)}×)`
          )
        }
        log(line.join(', '))
      }
    }
    await child.close()
    child = null

    const compiled = modes.includes('compile')
    const figures = (mode: Mode | 'engine') =>
      Object.fromEntries(i.presets.map((p) => [p, median(side(mode, p).stepMs)]))
    const cachedCalls = (mode: Mode) =>
      Object.fromEntries(
        i.presets.flatMap((p) => {
          const c = side(mode, p).cachedCalls
          return p === 'none' || c === null ? [] : [[p, c]]
        })
      )
    const roundRatios = Object.fromEntries(
      i.presets.map((p) => [
        p,
        {
          eager: ratioSummary(side('eager', p).ratios),
          compile: compiled ? ratioSummary(side('compile', p).ratios) : null
        }
      ])
    )
    const latent = await readF32(join(work, 'eager.latent.f32'))
    const image = i.engine.image ? await readF32(join(work, 'eager.image.f32')).catch(() => null) : null
    const compiledLatent = compiled ? await readF32(join(work, 'compile.latent.f32')) : null
    let imagePsnr: number | null = null
    if (image) {
      const theirs = toFrames(tensor(image, i.engine.image.dims), i.video)
      const r = i.engine.result
      imagePsnr = compareImages({
        width: r.width,
        height: r.height,
        frames: r.frames,
        a: r.pixels,
        b: theirs.pixels
      }).psnr
    }
    return {
      prompt: i.prompt,
      seed: i.seed,
      torchVersion: ready.torch,
      threads: ready.threads,
      torchInteropThreads: ready.interopThreads,
      engineThreads: i.threads,
      torchStepMs: figures('eager'),
      engineStepMs: figures('engine'),
      engineSpeedupUncached: roundRatios.none?.eager.median ?? Number.NaN,
      torchCachedCalls: cachedCalls('eager'),
      torchCompileStepMs: compiled ? figures('compile') : null,
      torchCompileCachedCalls: compiled ? cachedCalls('compile') : null,
      engineSpeedupCompiled: roundRatios.none?.compile?.median ?? null,
      rounds: i.repeats,
      roundRatios,
      compileWarmupMs: compiled ? (ready.compiled?.warmupMs ?? null) : null,
      compileWarmupSteps: compiled ? (ready.compiled?.warmupSteps ?? null) : null,
      eagerWarmupMs: compiled ? (ready.compiled?.eagerWarmupMs ?? null) : null,
      compileError,
      compileLatentMaxDiff: compiledLatent ? maxAbsDiff(latent, compiledLatent) : null,
      latentMaxDiff: maxAbsDiff(i.engine.latent.data, latent),
      imageMaxDiff: image ? maxAbsDiff(i.engine.image.data, image) : null,
      imagePsnr
    }
  } finally {
    child?.kill()
    await rm(work, { recursive: true, force: true })
  }
}

function ratioSummary(perRound: number[]): RoundRatios {
  return { perRound, median: median(perRound), min: Math.min(...perRound), max: Math.max(...perRound) }
}

function f32Bytes(a: Float32Array): Uint8Array {
  // Little-endian on every platform Node runs on; numpy reads it as '<f4'.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

async function readF32(path: string): Promise<Float32Array> {
  const b = await readFile(path)
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
}
