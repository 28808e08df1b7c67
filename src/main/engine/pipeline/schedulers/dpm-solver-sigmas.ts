import { shiftSigma } from '../scheduler'
import type { DPMSolverSchedule, DPMSolverSchedulerConfig } from './dpm-solver-config'

/**
 * DPMSolverMultistepScheduler's noise schedule: __init__'s betas → alphas_cumprod → sigmas (float32
 * tensors in PyTorch), and set_timesteps' timesteps and sigmas (NumPy, float64, stored as float32).
 * The float32 steps are rounded where PyTorch rounds them: torch.linspace on the CPU computes each
 * value with one fused multiply-add (start + step·i below the middle, end − step·(n−1−i) above),
 * torch.cumprod accumulates in double and rounds each output.
 */

const f = Math.fround

export interface TrainSchedule {
  /** alphas_cumprod, float32. */
  alphasCumprod: number[]
  /** ((1 − ᾱ) / ᾱ)^½, float32: the training sigmas, ascending with t. */
  sigmas: number[]
  /** log α_t − log σ_t, float32. */
  lambdas: number[]
}

/** torch.linspace(start, end, n, dtype=torch.float32) on the CPU. */
export function torchLinspaceF32(start: number, end: number, n: number): number[] {
  if (n === 1) return [f(start)]
  const s = f(start)
  const e = f(end)
  const step = f(f(e - s) / (n - 1))
  const half = Math.floor(n / 2)
  return Array.from({ length: n }, (_, i) => (i < half ? f(s + step * i) : f(e - step * (n - 1 - i))))
}

export function trainSchedule(c: DPMSolverSchedulerConfig): TrainSchedule {
  const n = c.num_train_timesteps
  let betas: number[]
  if (c.trained_betas !== null) {
    if (c.trained_betas.length !== n)
      throw new Error(`trained_betas has ${c.trained_betas.length} values, num_train_timesteps is ${n}`)
    betas = c.trained_betas.map(f)
  } else if (c.beta_schedule === 'linear') {
    betas = torchLinspaceF32(c.beta_start, c.beta_end, n)
  } else if (c.beta_schedule === 'scaled_linear') {
    betas = torchLinspaceF32(Math.sqrt(c.beta_start), Math.sqrt(c.beta_end), n).map((b) => f(b * b))
  } else {
    betas = cosineBetas(n)
  }
  const alphasCumprod: number[] = []
  let acc = 1
  for (const b of betas) {
    acc *= f(1 - b)
    alphasCumprod.push(f(acc))
  }
  const sigmas = alphasCumprod.map((a) => f(Math.sqrt(f(f(1 - a) / a))))
  const lambdas = alphasCumprod.map((a) =>
    f(f(Math.log(f(Math.sqrt(a)))) - f(Math.log(f(Math.sqrt(f(1 - a))))))
  )
  return { alphasCumprod, sigmas, lambdas }
}

/** betas_for_alpha_bar(n) with the cosine transform (squaredcos_cap_v2), max_beta 0.999. */
function cosineBetas(n: number): number[] {
  const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * Math.PI * 0.5) ** 2
  return Array.from({ length: n }, (_, i) => f(Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999)))
}

/** np.round: halves to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

/** np.linspace(start, stop, num): start + i·step, the last value stop itself. */
function npLinspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start]
  const step = (stop - start) / (num - 1)
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start))
}

/** np.arange(start, stop, step) for a negative float step. */
function npArangeDown(start: number, stop: number, step: number): number[] {
  const len = Math.max(0, Math.ceil((stop - start) / step))
  return Array.from({ length: len }, (_, i) => start + i * step)
}

/** set_timesteps(steps) → timesteps and the steps + 1 float32 sigmas. */
export function dpmSolverSigmas(
  c: DPMSolverSchedulerConfig,
  train: TrainSchedule,
  steps: number
): DPMSolverSchedule {
  const N = c.num_train_timesteps
  // searchsorted(flip(lambda_t), lambda_min_clipped): how many flipped lambdas lie below the clip.
  const flipped = [...train.lambdas].reverse()
  let clipped = 0
  while (clipped < flipped.length && flipped[clipped] < c.lambda_min_clipped) clipped++
  const last = N - clipped
  let timesteps: number[]
  if (c.timestep_spacing === 'linspace') {
    timesteps = npLinspace(0, last - 1, steps + 1)
      .map(roundHalfEven)
      .reverse()
      .slice(0, -1)
  } else if (c.timestep_spacing === 'leading') {
    const ratio = Math.floor(last / (steps + 1))
    timesteps = Array.from({ length: steps + 1 }, (_, i) => i * ratio)
      .reverse()
      .slice(0, -1)
      .map((t) => t + c.steps_offset)
  } else {
    timesteps = npArangeDown(last, 0, -N / steps).map((t) => roundHalfEven(t) - 1)
  }

  const trainSigmas = train.sigmas
  const logSigmas = trainSigmas.map((s) => f(Math.log(s)))
  const toT = (sigma: number) => sigmaToT(sigma, logSigmas)
  const cosine = c.trained_betas === null && c.beta_schedule === 'squaredcos_cap_v2'
  let sigmas: number[]
  if (c.use_karras_sigmas) {
    const sMin = trainSigmas[0]
    const sMax = trainSigmas[N - 1]
    const rho = 7
    const minInv = sMin ** (1 / rho)
    const maxInv = sMax ** (1 / rho)
    sigmas = npLinspace(0, 1, steps).map((r) => (maxInv + r * (minInv - maxInv)) ** rho)
    timesteps = sigmas.map(toT).map((t) => (cosine ? t : roundHalfEven(t)))
  } else if (c.use_lu_lambdas) {
    const lMin = logSigmas[0]
    const lMax = logSigmas[N - 1]
    sigmas = npLinspace(0, 1, steps).map((r) => Math.exp(lMax + r * (lMin - lMax)))
    timesteps = sigmas.map(toT).map((t) => (cosine ? t : roundHalfEven(t)))
  } else if (c.use_exponential_sigmas) {
    const sMin = trainSigmas[0]
    const sMax = trainSigmas[N - 1]
    sigmas = npLinspace(Math.log(sMax), Math.log(sMin), steps).map(Math.exp)
    timesteps = sigmas.map(toT)
  } else if (c.use_flow_sigmas) {
    const shift = c.flow_shift ?? 1
    const s = npLinspace(1, 1 / N, steps + 1).map((a) => 1 - a)
    sigmas = s
      .map((x) => shiftSigma(x, shift))
      .reverse()
      .slice(0, -1)
    timesteps = sigmas.map((x) => x * N)
  } else {
    // np.interp at integer timesteps inside [0, N − 1]: the training sigma itself.
    sigmas = timesteps.map((t) => trainSigmas[Math.min(N - 1, Math.max(0, t))])
  }
  const sigmaLast =
    c.final_sigmas_type === 'sigma_min'
      ? f(Math.sqrt(f(f(1 - train.alphasCumprod[0]) / train.alphasCumprod[0])))
      : 0
  return {
    // torch.from_numpy(timesteps).to(torch.int64) truncates toward zero.
    timesteps: timesteps.map((t) => Math.trunc(t)),
    sigmas: [...sigmas, sigmaLast].map(f)
  }
}

/**
 * _sigma_to_t: the fractional training timestep of a sigma, interpolating log sigma between the
 * two neighbouring float32 log sigmas (their difference is a float32 subtraction in NumPy).
 */
function sigmaToT(sigma: number, logSigmas: readonly number[]): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10))
  // cumsum(dists >= 0).argmax(): the last index with dist ≥ 0 (0 when none), clipped to n − 2.
  let low = 0
  for (let i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i] >= 0) low = i
  low = Math.min(low, logSigmas.length - 2)
  const lo = logSigmas[low]
  const hi = logSigmas[low + 1]
  let w = (lo - logSigma) / f(lo - hi)
  w = Math.min(1, Math.max(0, w))
  return (1 - w) * low + w * (low + 1)
}
