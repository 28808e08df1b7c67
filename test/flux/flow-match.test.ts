import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FlowMatchSchedulerConfigSchema } from '../../src/shared/imported-manifest'
import {
  calculateShift,
  flowMatchSchedule,
  fluxInputSigmas,
  unsupportedSchedulerField
} from '../../src/main/engine/pipeline/flow-match'

const FLUX = join(__dirname, '../fixtures/diffusers/flux-tiny')
const config = FlowMatchSchedulerConfigSchema.parse(
  JSON.parse(readFileSync(join(FLUX, 'onnx/scheduler/scheduler_config.json'), 'utf8'))
)

interface About {
  num_inference_steps: number
  schedule: { mu: number; input_sigmas: number[]; timesteps: number[]; scheduler_sigmas: number[] }
}
const about = (golden: string) =>
  (JSON.parse(readFileSync(join(FLUX, 'golden', golden, 'manifest.json'), 'utf8')) as { _about: About })
    ._about

describe('FlowMatchEuler schedule as FluxPipeline sets it (dynamic shift from scheduler_config.json)', () => {
  for (const golden of ['pipeline_4steps', 'dbcache_10steps']) {
    it(`${golden}: mu, sigmas and timesteps equal diffusers' exactly`, () => {
      const a = about(golden)
      const steps = a.num_inference_steps
      // 32×32 image, VAE scale 2, 2×2 packing: 8×8 = 64 image tokens.
      const s = flowMatchSchedule(config, steps, 64)
      expect(s.mu).toBeCloseTo(a.schedule.mu, 15)
      expect(fluxInputSigmas(steps)).toEqual(a.schedule.input_sigmas)
      expect(s.sigmas).toEqual(a.schedule.scheduler_sigmas.map(Math.fround))
      expect(s.timesteps).toEqual(a.schedule.timesteps.map(Math.fround))
    })
  }

  it("the transformer's timestep of every step is the golden's (t / 1000 in float32)", () => {
    const m = JSON.parse(readFileSync(join(FLUX, 'golden/pipeline_4steps/manifest.json'), 'utf8')) as Record<
      string,
      { mean?: number }
    >
    const s = flowMatchSchedule(config, 4, 64)
    for (let i = 0; i < 4; i++)
      expect(s.modelTimesteps[i]).toBe(Math.fround(m[`step${i}.timestep`].mean ?? NaN))
  })

  it('mu grows with the image: base_shift at base_image_seq_len, max_shift at max_image_seq_len', () => {
    expect(calculateShift(256, 256, 4096, 0.5, 1.15)).toBeCloseTo(0.5, 12)
    expect(calculateShift(4096, 256, 4096, 0.5, 1.15)).toBeCloseTo(1.15, 12)
    const small = flowMatchSchedule(config, 4, 256)
    const large = flowMatchSchedule(config, 4, 4096)
    // A larger image keeps more noise at every intermediate step.
    for (let i = 1; i < 4; i++) expect(large.sigmas[i]).toBeGreaterThan(small.sigmas[i])
  })

  it('time_shift_type linear divides by mu instead of e^mu', () => {
    const linear = flowMatchSchedule({ ...config, time_shift_type: 'linear' }, 4, 64)
    const mu = linear.mu as number
    const t = Math.fround(0.75)
    expect(linear.sigmas[1]).toBe(
      Math.fround(Math.fround(mu) / Math.fround(Math.fround(mu) + Math.fround(1 / t - 1)))
    )
    expect(linear.sigmas[1]).not.toBe(flowMatchSchedule(config, 4, 64).sigmas[1])
  })

  it('a static shift (use_dynamic_shifting false) is shift·s / (1 + (shift − 1)·s), the same at every size', () => {
    const c = { ...config, use_dynamic_shifting: false, shift: 3 }
    const a = flowMatchSchedule(c, 4, 64)
    expect(a.mu).toBeNull()
    expect(a.sigmas[1]).toBeCloseTo((3 * 0.75) / (1 + 2 * 0.75), 6)
    expect(flowMatchSchedule(c, 4, 4096).sigmas).toEqual(a.sigmas)
    expect(a.sigmas[4]).toBe(0)
  })

  it('shift_terminal stretches the schedule to end there', () => {
    const s = flowMatchSchedule({ ...config, shift_terminal: 0.1 }, 4, 64)
    expect(s.sigmas[3]).toBeCloseTo(0.1, 6)
    expect(s.sigmas[0]).toBeCloseTo(1, 6)
  })

  it('schedules it does not implement are named, not run', () => {
    expect(unsupportedSchedulerField({ ...config, use_karras_sigmas: true })).toMatch(/use_karras_sigmas/)
    expect(unsupportedSchedulerField({ ...config, stochastic_sampling: true })).toMatch(/stochastic_sampling/)
    expect(() => flowMatchSchedule({ ...config, invert_sigmas: true }, 4, 64)).toThrow(/invert_sigmas/)
    expect(unsupportedSchedulerField(config)).toBeNull()
  })
})
