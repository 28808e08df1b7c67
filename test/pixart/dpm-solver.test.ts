import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  DPMSolverSchedulerConfigSchema,
  DPMSolverStepper,
  dpmSolverSchedule,
  unsupportedDPMSolverField
} from '../../src/main/engine/pipeline/schedulers/dpm-solver'
import { parseNpy } from '../../src/main/engine/replay/npy'
import { parsePythonJson } from '../../src/main/engine/pipeline/config-json'

/**
 * DPM-Solver++ against diffusers' own DPMSolverMultistepScheduler: the reference file holds, for
 * twenty configs, the timesteps and sigmas of set_timesteps and every prev_sample of step() on
 * seeded model outputs (made by dpm-solver-reference.py beside it, from diffusers' source).
 */

const FIXTURE = join(__dirname, '../fixtures/diffusers/pixart-sigma-tiny')

interface Case {
  name: string
  config: Record<string, unknown>
  steps: number
  timesteps: number[]
  sigmas: number[]
  sample: number[]
  model_outputs: number[][]
  prev_samples: number[][]
}
const reference = JSON.parse(readFileSync(join(FIXTURE, 'dpm-solver-reference.json'), 'utf8')) as {
  cases: Case[]
}

function config(extra: Record<string, unknown>) {
  return DPMSolverSchedulerConfigSchema.parse({ _class_name: 'DPMSolverMultistepScheduler', ...extra })
}

/**
 * Largest difference in units of the reference value's float32 spacing. PyTorch's CPU sqrt of
 * the 1000 training sigmas is not always correctly rounded (one unit off in about one of six), so
 * sigmas may differ by one unit; nothing else of the schedule may.
 */
function ulps(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < b.length; i++) {
    const spacing = Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(b[i]) || 2 ** -126)) - 23))
    m = Math.max(m, Math.abs(a[i] - b[i]) / spacing)
  }
  return m
}

/** max |a − b| over max |b|. */
function relative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0
  let scale = 0
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]))
    scale = Math.max(scale, Math.abs(b[i]))
  }
  return d / scale
}

describe('DPMSolverMultistepScheduler', () => {
  for (const c of reference.cases) {
    it(`${c.name}: timesteps and sigmas as set_timesteps, every step's sample as step()`, () => {
      const cfg = config(c.config)
      const schedule = dpmSolverSchedule(cfg, c.steps)
      expect(schedule.timesteps).toEqual(c.timesteps)
      expect(ulps(schedule.sigmas, c.sigmas)).toBeLessThanOrEqual(1)
      // Each update from diffusers' own previous sample: within float32 rounding of the sample (a
      // third-order last step to a tiny sigma_min amplifies a one-unit sigma to a few 1e-6).
      const alone = new DPMSolverStepper(cfg, schedule)
      let worstStep = 0
      for (let i = 0; i < c.steps; i++) {
        const x = alone.step(
          Float32Array.from(c.model_outputs[i]),
          Float32Array.from(i === 0 ? c.sample : c.prev_samples[i - 1])
        )
        worstStep = Math.max(worstStep, relative(x, c.prev_samples[i]))
      }
      expect(worstStep).toBeLessThan(1e-5)
      // The whole chain from its own samples, as the pipeline runs it.
      const chain = new DPMSolverStepper(cfg, schedule)
      let x = Float32Array.from(c.sample)
      for (let i = 0; i < c.steps; i++) x = chain.step(Float32Array.from(c.model_outputs[i]), x)
      expect(relative(x, c.prev_samples[c.steps - 1])).toBeLessThan(1e-5)
    })
  }

  it("reads PixArt-Σ's scheduler_config.json with lambda_min_clipped -Infinity and gives the golden's schedule", () => {
    const text = readFileSync(join(FIXTURE, 'onnx/scheduler/scheduler_config.json'), 'utf8')
    expect(() => JSON.parse(text) as unknown).toThrow()
    const cfg = DPMSolverSchedulerConfigSchema.parse(parsePythonJson(text, 'scheduler_config.json'))
    expect(cfg.lambda_min_clipped).toBe(-Infinity)
    const about = JSON.parse(
      readFileSync(join(FIXTURE, 'golden/pipeline_4steps/manifest.json'), 'utf8')
    )._about
    const schedule = dpmSolverSchedule(cfg, 4)
    expect(schedule.timesteps).toEqual(about.schedule.timesteps)
    expect(ulps(schedule.sigmas, about.schedule.sigmas)).toBeLessThanOrEqual(1)
  })

  it("steps the golden's guided predictions from its initial latents to diffusers' final latents", () => {
    const golden = join(FIXTURE, 'golden/pipeline_4steps')
    const npy = (name: string) => {
      const a = parseNpy(readFileSync(join(golden, `${name}.npy`)), name)
      if (a.kind !== 'float32') throw new Error(`${name} is not float32`)
      return a.data
    }
    const text = readFileSync(join(FIXTURE, 'onnx/scheduler/scheduler_config.json'), 'utf8')
    const cfg = DPMSolverSchedulerConfigSchema.parse(parsePythonJson(text, 'scheduler_config.json'))
    const schedule = dpmSolverSchedule(cfg, 4)
    const stepper = new DPMSolverStepper(cfg, schedule)
    let x = npy('initial_latents')
    const half = x.length
    for (let i = 0; i < 4; i++) {
      // [uncond, cond] × 8 channels; guidance 4.5, then the first 4 channels (learned sigma).
      const both = npy(`step${i}.noise_pred_cfg_batch`)
      const eps = new Float32Array(half)
      for (let k = 0; k < half; k++) {
        const u = both[k]
        const c = both[2 * half + k]
        eps[k] = Math.fround(u + Math.fround(4.5 * Math.fround(c - u)))
      }
      x = stepper.step(eps, x)
    }
    expect(relative(x, npy('final_latents'))).toBeLessThan(1e-6)
  })

  it('refuses what it does not implement by name', () => {
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ algorithm_type: 'sde-dpmsolver++' }, /algorithm_type "sde-dpmsolver\+\+"/],
      [{ algorithm_type: 'unknown' }, /algorithm_type "unknown"/],
      [{ solver_order: 4 }, /solver_order 4/],
      [{ solver_type: 'rk4' }, /solver_type "rk4"/],
      [{ thresholding: true }, /thresholding/],
      [{ variance_type: 'learned_range' }, /variance_type "learned_range"/],
      [{ use_beta_sigmas: true }, /use_beta_sigmas/],
      [{ use_dynamic_shifting: true }, /use_dynamic_shifting/],
      [{ rescale_betas_zero_snr: true }, /rescale_betas_zero_snr/],
      [{ timestep_spacing: 'cosine' }, /timestep_spacing "cosine"/],
      [{ beta_schedule: 'sigmoid' }, /beta_schedule "sigmoid"/],
      [{ prediction_type: 'mu' }, /prediction_type "mu"/],
      [{ algorithm_type: 'dpmsolver' }, /final_sigmas_type "zero" with algorithm_type "dpmsolver"/],
      [{ use_karras_sigmas: true, use_exponential_sigmas: true }, /more than one/]
    ]
    for (const [extra, message] of refused) {
      expect(unsupportedDPMSolverField(config(extra))).toMatch(message)
      expect(() => dpmSolverSchedule(config(extra), 4)).toThrow(message)
    }
    expect(unsupportedDPMSolverField(config({}))).toBeNull()
  })
})
