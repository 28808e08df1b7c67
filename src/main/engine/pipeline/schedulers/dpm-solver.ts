import {
  effectiveAlgorithm,
  unsupportedDPMSolverField,
  type DPMSolverSchedule,
  type DPMSolverSchedulerConfig
} from './dpm-solver-config'
import { dpmSolverSigmas, trainSchedule } from './dpm-solver-sigmas'

export {
  DPMSolverSchedulerConfigSchema,
  unsupportedDPMSolverField,
  type DPMSolverSchedule,
  type DPMSolverSchedulerConfig
} from './dpm-solver-config'

/**
 * diffusers' DPMSolverMultistepScheduler as PixArt-Σ's pipeline drives it: set_timesteps(steps)
 * once, then one `step` per timestep with the guided prediction, from the first timestep on
 * (set_begin_index(0)). What scheduler_config.json may ask for and is implemented: algorithm_type
 * dpmsolver++ and dpmsolver (and deis, which diffusers maps to dpmsolver++), solver_order 1–3,
 * solver_type midpoint / heun, lower_order_final, euler_at_final, final_sigmas_type, prediction
 * types epsilon / sample / v_prediction / flow_prediction, timestep_spacing linspace / leading /
 * trailing with steps_offset, beta schedules linear / scaled_linear / squaredcos_cap_v2 / trained
 * betas, Karras / exponential / Lu-lambda / flow sigmas, lambda_min_clipped. Refused by name: the
 * SDE variants (they draw noise from torch's generator), thresholding, a learned variance_type,
 * beta sigmas (scipy's beta ppf), dynamic shifting (PixArt passes no mu), rescale_betas_zero_snr.
 *
 * Every scalar of the update (alpha, sigma, lambda, h, the coefficients) is a float32 0-d tensor
 * in PyTorch, and each elementwise product and sum a float32 tensor: each is rounded to float32
 * here where PyTorch rounds it. The training sigmas come out of PyTorch's CPU sqrt, which is not
 * always correctly rounded, so a sigma may be one float32 unit off and an update a few units
 * (test/pixart/dpm-solver.test.ts measures both against diffusers).
 */

/** set_timesteps(num_inference_steps): the timesteps and float32 sigmas. */
export function dpmSolverSchedule(config: DPMSolverSchedulerConfig, steps: number): DPMSolverSchedule {
  const unsupported = unsupportedDPMSolverField(config)
  if (unsupported) throw new Error(`DPMSolverMultistepScheduler: ${unsupported}`)
  if (!Number.isInteger(steps) || steps < 1 || steps > config.num_train_timesteps)
    throw new Error(`steps must be an integer from 1 to ${config.num_train_timesteps}, got ${steps}`)
  return dpmSolverSigmas(config, trainSchedule(config), steps)
}

const f = Math.fround

/**
 * The scheduler's state across steps (model_outputs, lower_order_nums, step_index) and its step:
 * convert_model_output, then the first-, second- or third-order multistep update.
 */
export class DPMSolverStepper {
  readonly #c: DPMSolverSchedulerConfig
  readonly #s: DPMSolverSchedule
  readonly #algorithm: 'dpmsolver++' | 'dpmsolver'
  readonly #heun: boolean
  readonly #outputs: (Float32Array | null)[]
  #lowerOrderNums = 0
  #index = 0

  constructor(config: DPMSolverSchedulerConfig, schedule: DPMSolverSchedule) {
    const unsupported = unsupportedDPMSolverField(config)
    if (unsupported) throw new Error(`DPMSolverMultistepScheduler: ${unsupported}`)
    this.#c = config
    this.#s = schedule
    this.#algorithm = effectiveAlgorithm(config) as 'dpmsolver++' | 'dpmsolver'
    this.#heun = config.solver_type === 'heun'
    this.#outputs = new Array<Float32Array | null>(config.solver_order).fill(null)
  }

  /** The step index the next `step` takes (0 before the first). */
  get stepIndex(): number {
    return this.#index
  }

  /** scheduler.step(model_output, t, sample).prev_sample for the current step. */
  step(modelOutput: Float32Array, sample: Float32Array): Float32Array<ArrayBuffer> {
    const c = this.#c
    const n = this.#s.timesteps.length
    const i = this.#index
    if (i >= n) throw new Error(`DPMSolverMultistepScheduler: step ${i} past the schedule's ${n} steps`)
    if (modelOutput.length !== sample.length)
      throw new Error(`model output has ${modelOutput.length} values, the sample ${sample.length}`)
    const lowerOrderFinal =
      i === n - 1 && (c.euler_at_final || (c.lower_order_final && n < 15) || c.final_sigmas_type === 'zero')
    const lowerOrderSecond = i === n - 2 && c.lower_order_final && n < 15
    const converted = this.#convert(modelOutput, sample)
    for (let k = 0; k < c.solver_order - 1; k++) this.#outputs[k] = this.#outputs[k + 1]
    this.#outputs[c.solver_order - 1] = converted
    let prev: Float32Array<ArrayBuffer>
    if (c.solver_order === 1 || this.#lowerOrderNums < 1 || lowerOrderFinal)
      prev = this.#firstOrder(converted, sample)
    else if (c.solver_order === 2 || this.#lowerOrderNums < 2 || lowerOrderSecond)
      prev = this.#secondOrder(sample)
    else prev = this.#thirdOrder(sample)
    if (this.#lowerOrderNums < c.solver_order) this.#lowerOrderNums++
    this.#index++
    return prev
  }

  /** _sigma_to_alpha_sigma_t of self.sigmas[k], and lambda = log(alpha) − log(sigma). */
  #at(k: number): { alpha: number; sigma: number; lambda: number } {
    const s = this.#s.sigmas[k]
    let alpha: number
    let sigma: number
    if (this.#c.use_flow_sigmas) {
      alpha = f(1 - s)
      sigma = s
    } else {
      alpha = f(1 / f(Math.sqrt(f(f(s * s) + 1))))
      sigma = f(s * alpha)
    }
    return { alpha, sigma, lambda: f(f(Math.log(alpha)) - f(Math.log(sigma))) }
  }

  #convert(m: Float32Array, x: Float32Array): Float32Array<ArrayBuffer> {
    const out = new Float32Array(m.length)
    const type = this.#c.prediction_type
    if (type === 'flow_prediction') {
      const s = this.#s.sigmas[this.#index]
      for (let i = 0; i < m.length; i++) out[i] = f(x[i] - f(s * m[i]))
      return out
    }
    const { alpha, sigma } = this.#at(this.#index)
    if (this.#algorithm === 'dpmsolver++') {
      // The data prediction x0.
      if (type === 'epsilon') for (let i = 0; i < m.length; i++) out[i] = f(f(x[i] - f(sigma * m[i])) / alpha)
      else if (type === 'sample') out.set(m)
      else for (let i = 0; i < m.length; i++) out[i] = f(f(alpha * x[i]) - f(sigma * m[i]))
      return out
    }
    // dpmsolver: the noise prediction epsilon.
    if (type === 'epsilon') out.set(m)
    else if (type === 'sample')
      for (let i = 0; i < m.length; i++) out[i] = f(f(x[i] - f(alpha * m[i])) / sigma)
    else for (let i = 0; i < m.length; i++) out[i] = f(f(alpha * m[i]) + f(sigma * x[i]))
    return out
  }

  #firstOrder(m: Float32Array, x: Float32Array): Float32Array<ArrayBuffer> {
    const t = this.#at(this.#index + 1)
    const s = this.#at(this.#index)
    const h = f(t.lambda - s.lambda)
    const out = new Float32Array(x.length)
    if (this.#algorithm === 'dpmsolver++') {
      const a = f(t.sigma / s.sigma)
      const b = f(t.alpha * f(f(Math.exp(-h)) - 1))
      for (let i = 0; i < x.length; i++) out[i] = f(f(a * x[i]) - f(b * m[i]))
    } else {
      const a = f(t.alpha / s.alpha)
      const b = f(t.sigma * f(f(Math.exp(h)) - 1))
      for (let i = 0; i < x.length; i++) out[i] = f(f(a * x[i]) - f(b * m[i]))
    }
    return out
  }

  #secondOrder(x: Float32Array): Float32Array<ArrayBuffer> {
    const k = this.#index
    const t = this.#at(k + 1)
    const s0 = this.#at(k)
    const s1 = this.#at(k - 1)
    const outs = this.#outputs
    const m0 = outs[outs.length - 1] as Float32Array
    const m1 = outs[outs.length - 2] as Float32Array
    const h = f(t.lambda - s0.lambda)
    const h0 = f(s0.lambda - s1.lambda)
    const r0 = f(h0 / h)
    const inv = f(1 / r0)
    const out = new Float32Array(x.length)
    const d1 = (i: number) => f(inv * f(m0[i] - m1[i]))
    if (this.#algorithm === 'dpmsolver++') {
      const a = f(t.sigma / s0.sigma)
      const em1 = f(f(Math.exp(-h)) - 1)
      const b = f(t.alpha * em1)
      if (!this.#heun) {
        const half = f(0.5 * b)
        for (let i = 0; i < x.length; i++) out[i] = f(f(f(a * x[i]) - f(b * m0[i])) - f(half * d1(i)))
      } else {
        const c = f(t.alpha * f(f(em1 / h) + 1))
        for (let i = 0; i < x.length; i++) out[i] = f(f(f(a * x[i]) - f(b * m0[i])) + f(c * d1(i)))
      }
    } else {
      const a = f(t.alpha / s0.alpha)
      const ep1 = f(f(Math.exp(h)) - 1)
      const b = f(t.sigma * ep1)
      const c = this.#heun ? f(t.sigma * f(f(ep1 / h) - 1)) : f(0.5 * b)
      for (let i = 0; i < x.length; i++) out[i] = f(f(f(a * x[i]) - f(b * m0[i])) - f(c * d1(i)))
    }
    return out
  }

  #thirdOrder(x: Float32Array): Float32Array<ArrayBuffer> {
    const k = this.#index
    const t = this.#at(k + 1)
    const s0 = this.#at(k)
    const s1 = this.#at(k - 1)
    const s2 = this.#at(k - 2)
    const outs = this.#outputs
    const m0 = outs[outs.length - 1] as Float32Array
    const m1 = outs[outs.length - 2] as Float32Array
    const m2 = outs[outs.length - 3] as Float32Array
    const h = f(t.lambda - s0.lambda)
    const r0 = f(f(s0.lambda - s1.lambda) / h)
    const r1 = f(f(s1.lambda - s2.lambda) / h)
    const inv0 = f(1 / r0)
    const inv1 = f(1 / r1)
    const w = f(r0 / f(r0 + r1))
    const inv01 = f(1 / f(r0 + r1))
    const hh = f(h * h)
    const out = new Float32Array(x.length)
    let a: number, c0: number, c1: number, c2: number, plus: boolean
    if (this.#algorithm === 'dpmsolver++') {
      const em1 = f(f(Math.exp(-h)) - 1)
      a = f(t.sigma / s0.sigma)
      c0 = f(t.alpha * em1)
      c1 = f(t.alpha * f(f(em1 / h) + 1))
      c2 = f(t.alpha * f(f(f(em1 + h) / hh) - 0.5))
      plus = true
    } else {
      const ep1 = f(f(Math.exp(h)) - 1)
      a = f(t.alpha / s0.alpha)
      c0 = f(t.sigma * ep1)
      c1 = f(t.sigma * f(f(ep1 / h) - 1))
      c2 = f(t.sigma * f(f(f(ep1 - h) / hh) - 0.5))
      plus = false
    }
    for (let i = 0; i < x.length; i++) {
      const d10 = f(inv0 * f(m0[i] - m1[i]))
      const d11 = f(inv1 * f(m1[i] - m2[i]))
      const diff = f(d10 - d11)
      const d1 = f(d10 + f(w * diff))
      const d2 = f(inv01 * diff)
      const base = f(f(a * x[i]) - f(c0 * m0[i]))
      // dpmsolver++: … + c1·D1 − c2·D2; dpmsolver: … − c1·D1 − c2·D2.
      const withD1 = plus ? f(base + f(c1 * d1)) : f(base - f(c1 * d1))
      out[i] = f(withD1 - f(c2 * d2))
    }
    return out
  }
}
