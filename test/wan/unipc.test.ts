import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  UniPCSchedulerConfigSchema,
  UniPCStepper,
  solveF32,
  uniPCSchedule,
  unsupportedUniPCField
} from '../../src/main/engine/pipeline/schedulers/unipc'
import { applyGuidance } from '../../src/main/engine/pipeline/guidance'
import { tensor } from '../../src/main/engine/tensor'
import { readFloat, readNpy } from '../import/npy'

const WAN = join(__dirname, '../fixtures/diffusers/wan2.1-tiny')
const config = UniPCSchedulerConfigSchema.parse(
  JSON.parse(readFileSync(join(WAN, 'onnx/scheduler/scheduler_config.json'), 'utf8'))
)

interface About {
  schedule: { timesteps: number[]; sigmas: number[] }
  guidance_scale: number
  num_inference_steps: number
}

function about(golden: string): About {
  return JSON.parse(readFileSync(join(WAN, 'golden', golden, 'manifest.json'), 'utf8'))._about as About
}

/** Replays diffusers' loop from the golden's saved predictions: guidance, then UniPC step. */
function replay(golden: string, prefix: string, calls: (i: number) => [string, string]) {
  const a = about(golden)
  const dir = join(WAN, 'golden', golden)
  const init = readFloat(join(dir, 'initial_latents.npy'))
  const schedule = uniPCSchedule(config, a.num_inference_steps)
  const stepper = new UniPCStepper(config, schedule)
  let x = init.data
  const timesteps: number[] = []
  for (let i = 0; i < a.num_inference_steps; i++) {
    const [cond, uncond] = calls(i)
    const vc = readFloat(join(dir, `${prefix}${cond}.noise_pred.npy`))
    const vu = readFloat(join(dir, `${prefix}${uncond}.noise_pred.npy`))
    timesteps.push(Number(readNpy(join(dir, `${prefix}${cond}.timestep.npy`)).data[0]))
    const v = applyGuidance(tensor(vc.data, vc.dims), tensor(vu.data, vu.dims), a.guidance_scale)
    x = stepper.step(v.data, x)
  }
  return { schedule, timesteps, final: x }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe('UniPC multistep (flow, bh2, order 2) against diffusers on the wan2.1-tiny goldens', () => {
  it("gives diffusers' sigmas bit for bit and its int timesteps, 4 and 10 steps", () => {
    for (const golden of ['pipeline_4steps', 'dbcache_10steps']) {
      const a = about(golden)
      const s = uniPCSchedule(config, a.num_inference_steps)
      expect(s.sigmas).toEqual(a.schedule.sigmas.map(Math.fround))
      expect(s.timesteps).toEqual(a.schedule.timesteps)
    }
  })

  it("4 steps from the golden's predictions reach diffusers' final latents (< 1e-6)", () => {
    const { timesteps, final } = replay('pipeline_4steps', '', (i) => [
      `call${2 * i}.cond`,
      `call${2 * i + 1}.uncond`
    ])
    expect(timesteps).toEqual(about('pipeline_4steps').schedule.timesteps)
    const want = readFloat(join(WAN, 'golden/pipeline_4steps/final_latents.npy'))
    const d = maxAbsDiff(final, want.data)
    console.log(`UniPC 4 steps: final latents max |Δ| ${d.toExponential(2)}`)
    expect(d).toBeLessThan(1e-6)
  })

  it("10 steps (predictor and corrector at order 2, lower order at the end) reach diffusers' latents", () => {
    const { final } = replay('dbcache_10steps', 'uncached.', (i) => [`call${2 * i}`, `call${2 * i + 1}`])
    const want = readFloat(join(WAN, 'golden/dbcache_10steps/uncached.final_latents.npy'))
    const d = maxAbsDiff(final, want.data)
    console.log(`UniPC 10 steps: final latents max |Δ| ${d.toExponential(2)}`)
    expect(d).toBeLessThan(1e-6)
  })

  it('an order-1 run (no multistep terms) is not the order-2 run: the order is read from the config', () => {
    const one = { ...config, solver_order: 1 }
    const a = new UniPCStepper(one, uniPCSchedule(one, 4))
    const b = new UniPCStepper(config, uniPCSchedule(config, 4))
    let xa: Float32Array = Float32Array.of(1, -0.5, 0.25)
    let xb: Float32Array = xa
    for (let i = 0; i < 4; i++) {
      const v = Float32Array.of(0.3 + i, -0.2, 0.1 * i)
      xa = a.step(v, xa)
      xb = b.step(v, xb)
    }
    expect(maxAbsDiff(xa, xb)).toBeGreaterThan(1e-4)
  })

  it('refuses what it does not implement, by name', () => {
    expect(unsupportedUniPCField(config)).toBeNull()
    expect(unsupportedUniPCField({ ...config, use_flow_sigmas: false })).toMatch(/use_flow_sigmas/)
    expect(unsupportedUniPCField({ ...config, use_karras_sigmas: true })).toMatch(/karras/)
    expect(unsupportedUniPCField({ ...config, prediction_type: 'epsilon' })).toMatch(/epsilon/)
    expect(unsupportedUniPCField({ ...config, solver_type: 'midpoint' })).toMatch(/midpoint/)
    expect(unsupportedUniPCField({ ...config, thresholding: true })).toMatch(/thresholding/)
    expect(() => uniPCSchedule({ ...config, use_dynamic_shifting: true }, 4)).toThrow(/dynamic/)
  })

  it('final_sigmas_type sigma_min ends on the last sigma instead of 0', () => {
    const s = uniPCSchedule({ ...config, final_sigmas_type: 'sigma_min' }, 4)
    expect(s.sigmas[4]).toBe(s.sigmas[3])
  })

  it('solves the order-3 system as LU with pivoting does', () => {
    const x = solveF32(
      [
        [1, 1, 1],
        [0.5, 2, 1],
        [0.25, 4, 1]
      ],
      [3, 3.5, 5.25]
    )
    x.forEach((v) => expect(v).toBeCloseTo(1, 5))
  })
})
