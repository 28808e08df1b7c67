import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { z } from 'zod'
import { compareImages } from '../main/engine/metrics/compare'
import { gaussianNoise } from '../main/engine/pipeline/noise'
import { toFrames } from '../main/engine/pipeline/decode'
import { tensor } from '../main/engine/tensor'
import type { Measured } from './measure'
import type { TorchComparison } from './result'
import { maxAbsDiff, median } from './stats'

/**
 * The PyTorch original of the same package (`python3 -m train.torch_reference`, the module
 * tools/train/torch_reference.py of the `train` package in tools/; weights read back
 * from the ONNX files), run as a child process with the engine's initial noise, the same steps,
 * guidance, CFG mode (two calls per step) and thread count, after a warm-up run. It times each
 * step uncached and with its plain DBCache (F8B0) and writes its final latent and image, which
 * are compared with the engine's uncached output of the same noise. With `compile` it also times
 * the same model under torch.compile (PyTorch 2.x; `python` then points at an interpreter that
 * has it, e.g. a virtual environment: README.md, Benchmarks), its compiling warm-up apart.
 */

export interface TorchOptions {
  python: string
  /** The folder that holds the `train` package (tools/), put on PYTHONPATH. */
  toolsDir: string
  /** Timed runs per preset on the PyTorch side. */
  repeats: number
  threads: number
  /** Also time torch.compile of the model (a torch without it is reported, not fatal). */
  compile: boolean
  timeoutMs: number
}

/** The PyTorch reference, run as a module of the `train` package (tools/pyproject.toml). */
export const TORCH_MODULE = 'train.torch_reference'

export const DEFAULT_TORCH: Omit<TorchOptions, 'threads'> = {
  python: '/usr/bin/python3',
  toolsDir: fileURLToPath(new URL('../../tools', import.meta.url)),
  repeats: 2,
  compile: true,
  timeoutMs: 30 * 60_000
}

const TorchRunSchema = z.object({
  stepMs: z.array(z.number()),
  totalMs: z.array(z.number()),
  cachedCalls: z.number().int(),
  calls: z.number().int()
})
const TorchOutputSchema = z.object({
  torch: z.string(),
  threads: z.number().int(),
  interopThreads: z.number().int().nullable().default(null),
  steps: z.number().int(),
  noiseFromFile: z.literal(true),
  runs: z.record(z.string(), TorchRunSchema),
  compiled: z
    .object({
      runs: z.record(z.string(), TorchRunSchema),
      /** The compiling warm-up runs (warmupSteps steps per preset), and eager's for scale. */
      warmupMs: z.number(),
      eagerWarmupMs: z.number(),
      warmupSteps: z.number().int()
    })
    .nullable()
    .default(null),
  compileError: z.string().nullable().default(null)
})

export interface CompareWithTorchInput extends TorchOptions {
  dir: string
  prompt: string
  seed: number
  steps: number
  video: boolean
  /** The engine's uncached run of this prompt and seed (seeded noise). */
  engine: Measured
  engineStepMs: Record<string, number>
}

const execFileAsync = promisify(execFile)

export async function compareWithTorch(i: CompareWithTorchInput): Promise<TorchComparison> {
  const work = await mkdtemp(join(tmpdir(), 'studio-bench-torch-'))
  try {
    // The engine's own noise for this seed, so both sides start from the same latent.
    const noisePath = join(work, 'noise.f32')
    await writeFile(noisePath, f32Bytes(gaussianNoise(i.seed, i.engine.latent.data.length)))
    const jsonPath = join(work, 'torch.json')
    const presets = Object.keys(i.engineStepMs)
    const args = [
      '-m',
      TORCH_MODULE,
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
      '--bench-json',
      jsonPath,
      '--bench-caches',
      presets.join(','),
      '--repeats',
      String(i.repeats),
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
    try {
      await execFileAsync(i.python, args, { env, timeout: i.timeoutMs, maxBuffer: 16 << 20 })
    } catch (e) {
      const err = e as Error & { stderr?: string }
      const tail = (err.stderr ?? '').trim().split('\n').slice(-1)[0] ?? ''
      throw new Error(`${i.python} -m ${TORCH_MODULE} failed: ${tail || err.message}`)
    }
    const out = TorchOutputSchema.parse(JSON.parse(await readFile(jsonPath, 'utf8')))
    const latent = await readF32(`${jsonPath}.none.latent.f32`)
    const image = i.engine.image ? await readF32(`${jsonPath}.none.image.f32`).catch(() => null) : null
    const { stepMs: torchStepMs, cachedCalls: torchCachedCalls } = runFigures(out.runs)
    const compiled = out.compiled ? runFigures(out.compiled.runs) : null
    const compiledLatent = out.compiled ? await readF32(`${jsonPath}.compile.none.latent.f32`) : null
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
      torchVersion: out.torch,
      threads: out.threads,
      torchInteropThreads: out.interopThreads,
      engineThreads: i.threads,
      torchStepMs,
      engineStepMs: i.engineStepMs,
      engineSpeedupUncached: torchStepMs.none / i.engineStepMs.none,
      torchCachedCalls,
      torchCompileStepMs: compiled?.stepMs ?? null,
      torchCompileCachedCalls: compiled?.cachedCalls ?? null,
      engineSpeedupCompiled: compiled ? compiled.stepMs.none / i.engineStepMs.none : null,
      compileWarmupMs: out.compiled?.warmupMs ?? null,
      compileWarmupSteps: out.compiled?.warmupSteps ?? null,
      eagerWarmupMs: out.compiled?.eagerWarmupMs ?? null,
      compileError: out.compileError,
      compileLatentMaxDiff: compiledLatent ? maxAbsDiff(latent, compiledLatent) : null,
      latentMaxDiff: maxAbsDiff(i.engine.latent.data, latent),
      imageMaxDiff: image ? maxAbsDiff(i.engine.image.data, image) : null,
      imagePsnr
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

function runFigures(runs: Record<string, z.infer<typeof TorchRunSchema>>) {
  const stepMs: Record<string, number> = {}
  const cachedCalls: Record<string, [number, number]> = {}
  for (const [p, run] of Object.entries(runs)) {
    stepMs[p] = median(run.stepMs)
    if (p !== 'none') cachedCalls[p] = [run.cachedCalls, run.calls]
  }
  return { stepMs, cachedCalls }
}

function f32Bytes(a: Float32Array): Uint8Array {
  // Little-endian on every platform Node runs on; numpy reads it as '<f4'.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

async function readF32(path: string): Promise<Float32Array> {
  const b = await readFile(path)
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
}
