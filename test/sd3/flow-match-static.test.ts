import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FlowMatchSchedulerConfigSchema } from '../../src/shared/imported-manifest'
import { flowMatchSigmaRange, flowMatchStepsSchedule } from '../../src/main/engine/pipeline/flow-match'

/** FlowMatchEuler with the config's static shift, set_timesteps(steps) as StableDiffusion3Pipeline calls it. */

const SD3 = join(__dirname, '../fixtures/diffusers/sd3-tiny')
const config = FlowMatchSchedulerConfigSchema.parse(
  JSON.parse(readFileSync(join(SD3, 'onnx/scheduler/scheduler_config.json'), 'utf8'))
)
const manifest = JSON.parse(readFileSync(join(SD3, 'golden/pipeline_4steps/manifest.json'), 'utf8')) as {
  _about: { schedule: { timesteps: number[]; sigmas: number[] } }
} & Record<string, { mean?: number }>

describe('FlowMatchEuler schedule with a static shift (SD3)', () => {
  it("sigmas and timesteps of the 4-step golden equal diffusers' exactly (shift 3 from scheduler_config.json)", () => {
    expect(config.shift).toBe(3)
    expect(config.use_dynamic_shifting).toBe(false)
    const s = flowMatchStepsSchedule(config, 4)
    expect(s.sigmas).toEqual(manifest._about.schedule.sigmas.map(Math.fround))
    expect(s.timesteps).toEqual(manifest._about.schedule.timesteps.map(Math.fround))
    for (let i = 0; i < 4; i++)
      expect(s.timesteps[i]).toBe(Math.fround(manifest[`step${i}.timestep`].mean ?? NaN))
    expect(s.mu).toBeNull()
  })

  it("the range is the scheduler's own shifted sigmas: 1 down to shift(1/1000)", () => {
    const r = flowMatchSigmaRange(config)
    expect(r.max).toBe(1)
    expect(r.min).toBe(Math.fround(Math.fround(0.003) / Math.fround(1 + Math.fround(0.002))))
    const unshifted = flowMatchSigmaRange({ ...config, shift: 1 })
    expect(unshifted.min).toBe(Math.fround(0.001))
  })

  it('a larger shift keeps more noise at every intermediate step; one step is sigma_max then 0', () => {
    const low = flowMatchStepsSchedule({ ...config, shift: 1 }, 6)
    const high = flowMatchStepsSchedule(config, 6)
    for (let i = 1; i < 6; i++) expect(high.sigmas[i]).toBeGreaterThan(low.sigmas[i])
    expect(flowMatchStepsSchedule(config, 1).sigmas).toEqual([1, 0])
  })

  it('dynamic shifting without mu, stochastic sampling and a bad step count are refused by name', () => {
    expect(() => flowMatchStepsSchedule({ ...config, use_dynamic_shifting: true }, 4)).toThrow(/mu/)
    expect(() => flowMatchStepsSchedule({ ...config, stochastic_sampling: true }, 4)).toThrow(
      /stochastic_sampling/
    )
    expect(() => flowMatchStepsSchedule(config, 0)).toThrow(/positive integer/)
    const dyn = flowMatchStepsSchedule({ ...config, use_dynamic_shifting: true }, 4, 0.5)
    expect(dyn.mu).toBe(0.5)
    expect(dyn.sigmas[0]).toBeCloseTo(1, 6)
  })
})
