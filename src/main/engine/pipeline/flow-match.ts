import type { FlowMatchSchedulerConfig } from '../../../shared/imported-manifest'
import { shiftSigma, stretchToTerminal } from './scheduler'

/**
 * diffusers' FlowMatchEulerDiscreteScheduler as FluxPipeline drives it (docs/flux-pipeline.md,
 * step 4): the pipeline hands the scheduler the sigmas linspace(1, 1/n, n) and, with
 * dynamic shifting, mu from the image's token count (calculate_shift). The scheduler shifts them
 * in float32 (NumPy float32 arrays with Python scalars), appends 0, and its timesteps are
 * sigma · num_train_timesteps in float32; the transformer sees timestep / 1000.
 *
 * Every value here is rounded to float32 exactly where the reference rounds, so the schedule is
 * the reference's bit for bit, not merely close: a cached step that flips on a last-digit
 * difference of sigma would not match CacheDiT's decision.
 */

export interface FlowMatchSchedule {
  /** steps + 1 float32 values, the last one 0 (1 with invert_sigmas, which is refused). */
  sigmas: number[]
  /** steps float32 values: sigma · num_train_timesteps. */
  timesteps: number[]
  /** The transformer's timestep input per step: timestep / 1000 in float32, as FluxPipeline passes it. */
  modelTimesteps: number[]
  /** mu of the dynamic shift (null with a static shift). */
  mu: number | null
}

const f = Math.fround

/**
 * FluxPipeline's calculate_shift, in float64 as Python computes it: mu grows linearly with the
 * image's token count from base_shift at base_image_seq_len to max_shift at max_image_seq_len.
 */
export function calculateShift(
  imageSeqLen: number,
  baseSeqLen: number,
  maxSeqLen: number,
  baseShift: number,
  maxShift: number
): number {
  const m = (maxShift - baseShift) / (maxSeqLen - baseSeqLen)
  const b = baseShift - m * baseSeqLen
  return imageSeqLen * m + b
}

/**
 * What of a scheduler_config.json this scheduler does not implement, in words (null: all of it).
 * Karras/exponential/beta sigmas, stochastic sampling and inverted sigmas change the schedule or
 * the step; running without them would silently give another model's images.
 */
export function unsupportedSchedulerField(c: FlowMatchSchedulerConfig): string | null {
  if (c.use_karras_sigmas) return 'use_karras_sigmas is true (Karras sigmas are not implemented)'
  if (c.use_exponential_sigmas) return 'use_exponential_sigmas is true (not implemented)'
  if (c.use_beta_sigmas) return 'use_beta_sigmas is true (not implemented)'
  if (c.stochastic_sampling)
    return 'stochastic_sampling is true (only the deterministic Euler step is implemented)'
  if (c.invert_sigmas) return 'invert_sigmas is true (not implemented)'
  return null
}

/** FluxPipeline's default sigmas: np.linspace(1.0, 1 / steps, steps) in float64. */
export function fluxInputSigmas(steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`)
  const end = 1 / steps
  if (steps === 1) return [1]
  // NumPy's linspace: start + i·step, the last value set to `end` exactly.
  const step = (end - 1) / (steps - 1)
  return Array.from({ length: steps }, (_, i) => (i === steps - 1 ? end : 1 + i * step))
}

/**
 * set_timesteps(sigmas=inputSigmas, mu) of the scheduler with this config. `imageSeqLen` is the
 * packed latent's token count (FluxPipeline's latents.shape[1]); it only matters with dynamic
 * shifting.
 */
export function flowMatchSchedule(
  config: FlowMatchSchedulerConfig,
  steps: number,
  imageSeqLen: number,
  inputSigmas: readonly number[] = fluxInputSigmas(steps)
): FlowMatchSchedule {
  const unsupported = unsupportedSchedulerField(config)
  if (unsupported) throw new Error(unsupported)
  if (inputSigmas.length !== steps) throw new Error(`${inputSigmas.length} sigmas for ${steps} steps`)
  let sigmas = inputSigmas.map(f)
  let mu: number | null = null
  if (config.use_dynamic_shifting) {
    mu = calculateShift(
      imageSeqLen,
      config.base_image_seq_len,
      config.max_image_seq_len,
      config.base_shift,
      config.max_shift
    )
    // time_shift(mu, 1.0, t): the Python scalar is cast to float32, every operation rounds.
    const num = f(config.time_shift_type === 'exponential' ? Math.exp(mu) : mu)
    sigmas = sigmas.map((t) => f(num / f(num + f(f(1 / t) - 1))))
  } else {
    sigmas = sigmas.map((s) => shiftSigma32(s, config.shift))
  }
  if (config.shift_terminal) {
    // stretch_shift_to_terminal: the schedule is stretched to end at shift_terminal.
    const oneMinus = sigmas.map((s) => f(1 - s))
    const scale = f(oneMinus[oneMinus.length - 1] / f(1 - config.shift_terminal))
    sigmas = oneMinus.map((z) => f(1 - f(z / scale)))
  }
  const train = config.num_train_timesteps
  const timesteps = sigmas.map((s) => f(s * train))
  return {
    sigmas: [...sigmas, 0],
    timesteps,
    modelTimesteps: timesteps.map((t) => f(t / 1000)),
    mu
  }
}

/** The static shift of one sigma as the scheduler computes it on float32 tensors: each op rounds. */
function shiftSigma32(s: number, shift: number): number {
  return f(f(f(shift) * s) / f(1 + f(f(shift - 1) * s)))
}

/**
 * The scheduler's own sigma range (its __init__): float32 timesteps 1…N reversed, / N, and with a
 * static shift shifted in float32. sigma_max and sigma_min are its first and last values.
 */
export function flowMatchSigmaRange(config: FlowMatchSchedulerConfig): { max: number; min: number } {
  const N = config.num_train_timesteps
  const at = (t: number) => {
    const s = f(t / N)
    if (config.use_dynamic_shifting) return s
    return shiftSigma32(s, config.shift)
  }
  return { max: at(N), min: at(1) }
}

/**
 * set_timesteps(num_inference_steps) without sigmas, as StableDiffusion3Pipeline (and Wan,
 * PixArt-style callers) drive it: timesteps np.linspace(sigma_max·N, sigma_min·N, steps) and
 * sigmas = timesteps / N in float64, the static shift (or time_shift with `mu`) in float64 too,
 * then float32; timesteps = sigmas · N in float32. `modelTimesteps` stays timestep / 1000 for
 * callers that pass that; SD3's transformer takes `timesteps` as they are.
 */
export function flowMatchStepsSchedule(
  config: FlowMatchSchedulerConfig,
  steps: number,
  mu: number | null = null
): FlowMatchSchedule {
  const unsupported = unsupportedSchedulerField(config)
  if (unsupported) throw new Error(unsupported)
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`)
  if (config.use_dynamic_shifting && mu === null)
    throw new Error('use_dynamic_shifting is true: the pipeline must pass mu (the image-dependent shift)')
  const N = config.num_train_timesteps
  const range = flowMatchSigmaRange(config)
  const start = range.max * N
  const end = range.min * N
  const step = steps === 1 ? 0 : (end - start) / (steps - 1)
  let sigmas = Array.from(
    { length: steps },
    (_, i) => (i === steps - 1 && steps > 1 ? end : start + i * step) / N
  )
  if (config.use_dynamic_shifting && mu !== null) {
    const num = config.time_shift_type === 'exponential' ? Math.exp(mu) : mu
    sigmas = sigmas.map((t) => num / (num + (1 / t - 1)))
  } else {
    sigmas = sigmas.map((s) => shiftSigma(s, config.shift))
  }
  if (config.shift_terminal) sigmas = stretchToTerminal(sigmas, config.shift_terminal)
  const s32 = sigmas.map(f)
  const timesteps = s32.map((s) => f(s * N))
  return {
    sigmas: [...s32, 0],
    timesteps,
    modelTimesteps: timesteps.map((t) => f(t / 1000)),
    mu: config.use_dynamic_shifting ? mu : null
  }
}
