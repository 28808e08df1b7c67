import { z } from 'zod'
import { shiftSigma, stretchToTerminal } from '../scheduler'

/**
 * diffusers' UniPCMultistepScheduler with flow sigmas (`use_flow_sigmas: true`,
 * `prediction_type: "flow_prediction"`, `predict_x0: true`), as WanPipeline drives it: set_timesteps
 * once, then one `step` per denoising step with the guided prediction. The predictor (UniP) and
 * corrector (UniC) are the B(h) variants of its `multistep_uni_p_bh_update` and
 * `multistep_uni_c_bh_update`; order, solver type (bh1 / bh2), lower_order_final,
 * disable_corrector and final_sigmas_type are read from scheduler_config.json. Anything else the
 * config may ask for (Karras / exponential / beta sigmas, a VP schedule, thresholding, solver_p,
 * dynamic shifting, another prediction type) is refused by name.
 *
 * The schedule is computed in float64 as NumPy does and stored in float32 as the scheduler's
 * `self.sigmas` tensor is; every scalar of the step (alpha, lambda, h, the B(h) coefficients) is a
 * float32 0-d tensor in PyTorch, so each one is rounded to float32 where PyTorch rounds it.
 */

export const UniPCSchedulerConfigSchema = z
  .object({
    _class_name: z.literal('UniPCMultistepScheduler'),
    num_train_timesteps: z.number().int().positive().default(1000),
    solver_order: z.number().int().min(1).max(8).default(2),
    prediction_type: z.string().default('epsilon'),
    thresholding: z.boolean().default(false),
    predict_x0: z.boolean().default(true),
    solver_type: z.string().default('bh2'),
    lower_order_final: z.boolean().default(true),
    disable_corrector: z.array(z.number().int().nonnegative()).max(1000).default([]),
    solver_p: z.unknown().nullable().default(null),
    use_karras_sigmas: z.boolean().nullable().default(false),
    use_exponential_sigmas: z.boolean().nullable().default(false),
    use_beta_sigmas: z.boolean().nullable().default(false),
    use_flow_sigmas: z.boolean().nullable().default(false),
    flow_shift: z.number().positive().nullable().default(1),
    final_sigmas_type: z.string().nullable().default('zero'),
    use_dynamic_shifting: z.boolean().default(false),
    shift_terminal: z.number().nullable().default(null)
  })
  .passthrough()
export type UniPCSchedulerConfig = z.infer<typeof UniPCSchedulerConfigSchema>

/** What of the config this implementation does not do, in words (null: all of it). */
export function unsupportedUniPCField(c: UniPCSchedulerConfig): string | null {
  if (!c.use_flow_sigmas)
    return 'use_flow_sigmas is false (only the flow-matching schedule of Wan-style models is implemented)'
  if (c.prediction_type !== 'flow_prediction')
    return `prediction_type "${c.prediction_type}" (only flow_prediction is implemented)`
  if (!c.predict_x0) return 'predict_x0 is false (only the data-prediction update is implemented)'
  if (c.use_karras_sigmas) return 'use_karras_sigmas is true (not implemented)'
  if (c.use_exponential_sigmas) return 'use_exponential_sigmas is true (not implemented)'
  if (c.use_beta_sigmas) return 'use_beta_sigmas is true (not implemented)'
  if (c.thresholding) return 'thresholding is true (not implemented)'
  if (c.solver_p !== null) return 'solver_p is set (only UniP is implemented as the predictor)'
  if (c.use_dynamic_shifting)
    return 'use_dynamic_shifting is true (WanPipeline passes no mu; not implemented)'
  if (c.solver_type !== 'bh1' && c.solver_type !== 'bh2')
    return `solver_type "${c.solver_type}" (bh1 and bh2 are implemented)`
  if (c.final_sigmas_type !== 'zero' && c.final_sigmas_type !== 'sigma_min')
    return `final_sigmas_type "${String(c.final_sigmas_type)}" (zero and sigma_min are implemented)`
  return null
}

export interface UniPCSchedule {
  /** steps + 1 float32 sigmas (the last one 0, or the last sigma with final_sigmas_type sigma_min). */
  sigmas: number[]
  /** steps integer timesteps, int64 in diffusers: what the transformer is called with. */
  timesteps: number[]
}

const f = Math.fround

/** set_timesteps(num_inference_steps) with use_flow_sigmas. */
export function uniPCSchedule(config: UniPCSchedulerConfig, steps: number): UniPCSchedule {
  const unsupported = unsupportedUniPCField(config)
  if (unsupported) throw new Error(`UniPCMultistepScheduler: ${unsupported}`)
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`)
  const train = config.num_train_timesteps
  // np.linspace(1, 1 / num_train_timesteps, steps + 1)[:-1]: start + i·step in float64.
  const step = (1 / train - 1) / steps
  let sigmas = Array.from({ length: steps }, (_, i) => 1 + i * step)
  const shift = config.flow_shift ?? 1
  sigmas = sigmas.map((s) => shiftSigma(s, shift))
  if (config.shift_terminal) sigmas = stretchToTerminal(sigmas, config.shift_terminal)
  // diffusers keeps the first sigma off 1: log(1 − σ) would be −inf in the first updates.
  if (Math.abs(sigmas[0] - 1) < 1e-6) sigmas[0] -= 1e-6
  // timesteps = sigmas · num_train_timesteps in float64, then .to(int64), which truncates.
  const timesteps = sigmas.map((s) => Math.trunc(s * train))
  const last = config.final_sigmas_type === 'sigma_min' ? sigmas[sigmas.length - 1] : 0
  return { sigmas: [...sigmas, last].map(f), timesteps }
}

/** log(α) − log(σ) of a flow sigma (α = 1 − σ), each a float32 op. */
function lambda(sigma: number): number {
  return f(f(Math.log(f(1 - sigma))) - f(Math.log(sigma)))
}

/**
 * The multistep state of one denoising run: `step(prediction, sample)` is diffusers' step() with
 * the model's flow prediction at the current index, returning the sample of the next one.
 */
export class UniPCStepper {
  readonly #config: UniPCSchedulerConfig
  readonly #sigmas: readonly number[]
  readonly #steps: number
  /** Converted model outputs (x0 predictions), oldest first, at most solver_order. */
  readonly #outputs: Float32Array[] = []
  #lastSample: Float32Array | null = null
  #lowerOrderNums = 0
  #thisOrder = 0
  #index = 0

  constructor(config: UniPCSchedulerConfig, schedule: UniPCSchedule) {
    const unsupported = unsupportedUniPCField(config)
    if (unsupported) throw new Error(`UniPCMultistepScheduler: ${unsupported}`)
    this.#config = config
    this.#sigmas = schedule.sigmas
    this.#steps = schedule.timesteps.length
  }

  /** The step index the next call advances from (diffusers' step_index, begin_index 0). */
  get index(): number {
    return this.#index
  }

  step(prediction: Float32Array, sample: Float32Array): Float32Array {
    const i = this.#index
    if (i >= this.#steps) throw new Error(`UniPC: step ${i} past the ${this.#steps}-step schedule`)
    if (prediction.length !== sample.length)
      throw new Error(`UniPC: prediction has ${prediction.length} values, sample ${sample.length}`)
    const order = this.#config.solver_order
    // convert_model_output, flow_prediction: x0 = sample − σ_i · v.
    const sigma = this.#sigmas[i]
    const x0 = new Float32Array(sample.length)
    for (let k = 0; k < x0.length; k++) x0[k] = sample[k] - f(sigma * prediction[k])
    let current = sample
    if (i > 0 && !this.#config.disable_corrector.includes(i - 1) && this.#lastSample !== null)
      current = this.#correct(x0, this.#lastSample, sample, this.#thisOrder)
    this.#outputs.push(x0)
    if (this.#outputs.length > order) this.#outputs.shift()
    const wanted = this.#config.lower_order_final ? Math.min(order, this.#steps - i) : order
    this.#thisOrder = Math.min(wanted, this.#lowerOrderNums + 1)
    this.#lastSample = current
    const next = this.#predict(current, this.#thisOrder)
    if (this.#lowerOrderNums < order) this.#lowerOrderNums++
    this.#index++
    return next
  }

  /** The ith newest converted output (1 = newest). */
  #output(i: number): Float32Array {
    return this.#outputs[this.#outputs.length - i]
  }

  /** multistep_uni_p_bh_update: from σ_i to σ_{i+1}. */
  #predict(x: Float32Array, order: number): Float32Array {
    const i = this.#index
    const m0 = this.#output(1)
    const c = this.#coefficients(this.#sigmas[i + 1], this.#sigmas[i], order, (k) => this.#sigmas[i - k])
    const out = new Float32Array(x.length)
    // rhos_p: 0.5 for order 2, the solve of R[:-1, :-1]·ρ = b[:-1] above it.
    const rhos =
      order === 2
        ? [0.5]
        : order > 2
          ? solveF32(
              c.R.slice(0, -1).map((r) => r.slice(0, -1)),
              c.b.slice(0, -1)
            )
          : []
    const D = this.#differences(m0, c.rks, order, 1)
    for (let k = 0; k < out.length; k++) {
      const xt = f(f(c.ratio * x[k]) - f(c.alphaPhi * m0[k]))
      let res = 0
      for (let j = 0; j < D.length; j++) res = j === 0 ? f(rhos[0] * D[0][k]) : f(res + f(rhos[j] * D[j][k]))
      out[k] = D.length === 0 ? xt : f(xt - f(c.alphaB * res))
    }
    return out
  }

  /** multistep_uni_c_bh_update: corrects the sample at σ_i with this step's output. */
  #correct(modelT: Float32Array, last: Float32Array, sample: Float32Array, order: number): Float32Array {
    const i = this.#index
    const m0 = this.#output(1)
    const c = this.#coefficients(this.#sigmas[i], this.#sigmas[i - 1], order, (k) => this.#sigmas[i - 1 - k])
    const rhos = order === 1 ? [0.5] : solveF32(c.R, c.b)
    const D = this.#differences(m0, c.rks, order, 1)
    const rhoT = rhos[rhos.length - 1]
    const out = new Float32Array(sample.length)
    for (let k = 0; k < out.length; k++) {
      const xt = f(f(c.ratio * last[k]) - f(c.alphaPhi * m0[k]))
      let res = 0
      for (let j = 0; j < D.length; j++) res = j === 0 ? f(rhos[0] * D[0][k]) : f(res + f(rhos[j] * D[j][k]))
      const d1t = f(modelT[k] - m0[k])
      out[k] = f(xt - f(c.alphaB * f(res + f(rhoT * d1t))))
    }
    return out
  }

  /** D1s: (m_k − m0) / r_k for the k older outputs the order uses. */
  #differences(m0: Float32Array, rks: readonly number[], order: number, newest: number): Float32Array[] {
    const out: Float32Array[] = []
    for (let k = 1; k < order; k++) {
      const mk = this.#output(newest + k)
      const d = new Float32Array(m0.length)
      for (let j = 0; j < d.length; j++) d[j] = f(f(mk[j] - m0[j]) / rks[k - 1])
      out.push(d)
    }
    return out
  }

  /**
   * The scalars of one B(h) update from σ_s0 to σ_t: the ratios r_k of the older sigmas
   * (`older(k)`, k ≥ 1), the matrix R = [r^0; r^1; …] and vector b of the linear system, and the
   * float32 factors σ_t/σ_s0, α_t·hφ₁ and α_t·B(h).
   */
  #coefficients(sigmaT: number, sigmaS0: number, order: number, older: (k: number) => number) {
    const lambdaT = lambda(sigmaT)
    const lambdaS0 = lambda(sigmaS0)
    const h = f(lambdaT - lambdaS0)
    const rks: number[] = []
    for (let k = 1; k < order; k++) rks.push(f(f(lambda(older(k)) - lambdaS0) / h))
    rks.push(1)
    const hh = -h
    const hPhi1 = f(Math.expm1(hh))
    let hPhiK = f(f(hPhi1 / hh) - 1)
    const B = this.#config.solver_type === 'bh1' ? hh : f(Math.expm1(hh))
    const R: number[][] = []
    const b: number[] = []
    let factorial = 1
    for (let k = 1; k <= order; k++) {
      R.push(rks.map((r) => f(r ** (k - 1))))
      b.push(f(f(hPhiK * factorial) / B))
      factorial *= k + 1
      hPhiK = f(f(hPhiK / hh) - f(1 / factorial))
    }
    const alphaT = f(1 - sigmaT)
    return {
      rks,
      R,
      b,
      ratio: f(sigmaT / sigmaS0),
      alphaPhi: f(alphaT * hPhi1),
      alphaB: f(alphaT * B)
    }
  }
}

/** A·x = b by Gaussian elimination with partial pivoting in float32 (torch.linalg.solve's LU). */
export function solveF32(A: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length
  const M = A.map((row, i) => [...row.map(f), f(b[i])])
  for (let col = 0; col < n; col++) {
    let pivot = col
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r][col]) > Math.abs(M[pivot][col])) pivot = r
    if (M[pivot][col] === 0) throw new Error('UniPC: singular coefficient matrix')
    ;[M[col], M[pivot]] = [M[pivot], M[col]]
    for (let r = col + 1; r < n; r++) {
      const l = f(M[r][col] / M[col][col])
      for (let c = col; c <= n; c++) M[r][c] = f(M[r][c] - f(l * M[col][c]))
    }
  }
  const x = new Array<number>(n).fill(0)
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n]
    for (let c = r + 1; c < n; c++) s = f(s - f(M[r][c] * x[c]))
    x[r] = f(s / M[r][r])
  }
  return x
}
