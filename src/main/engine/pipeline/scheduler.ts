/**
 * Flow-match Euler with shift, as diffusers' FlowMatchEulerDiscreteScheduler (see
 * docs/model-package.md): sigmas = 1 − i/steps, shifted s' = shift·s / (1 + (shift − 1)·s), then 0.
 * The model predicts the velocity v = noise − x0 of x_t = (1 − t)·x0 + t·noise, so one Euler
 * step is x_{i+1} = x_i + (s'_{i+1} − s'_i)·v.
 */

/** The static shift of one flow sigma, shift·s / (1 + (shift − 1)·s), in float64 (NumPy's). */
export function shiftSigma(s: number, shift: number): number {
  return (shift * s) / (1 + (shift - 1) * s)
}

/**
 * diffusers' stretch_shift_to_terminal in float64: the sigmas stretched so that the last one is
 * `terminal` (1 − σ scaled by (1 − σ_last) / (1 − terminal)).
 */
export function stretchToTerminal(sigmas: readonly number[], terminal: number): number[] {
  const oneMinus = sigmas.map((s) => 1 - s)
  const scale = oneMinus[oneMinus.length - 1] / (1 - terminal)
  return oneMinus.map((z) => 1 - z / scale)
}

/** steps + 1 sigmas in float64, the last one 0. */
export function flowMatchSigmas(steps: number, shift: number): number[] {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`)
  if (!(shift > 0)) throw new Error(`shift must be positive, got ${shift}`)
  const sigmas: number[] = []
  for (let i = 0; i < steps; i++) {
    const s = 1 - i / steps
    sigmas.push(shiftSigma(s, shift))
  }
  sigmas.push(0)
  return sigmas
}

/**
 * One Euler step in place: x += (sigmaNext − sigma)·v. dt is rounded to float32 once, as PyTorch
 * does with a Python scalar times a float32 tensor, so results match the reference exporter.
 */
export function eulerStep(x: Float32Array, v: Float32Array, sigma: number, sigmaNext: number): void {
  if (x.length !== v.length) throw new Error(`latent has ${x.length} values, velocity ${v.length}`)
  const dt = Math.fround(sigmaNext - sigma)
  for (let i = 0; i < x.length; i++) x[i] = x[i] + Math.fround(dt * v[i])
}
