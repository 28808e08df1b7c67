import { tensor, type Tensor } from '../tensor'

/** Classifier-free guidance: v = v_uncond + g·(v_cond − v_uncond), in float32 like the reference. */
export function applyGuidance(cond: Tensor, uncond: Tensor, scale: number): Tensor {
  if (cond.data.length !== uncond.data.length) throw new Error('cond and uncond velocities differ in size')
  const g = Math.fround(scale)
  const out = new Float32Array(cond.data.length)
  for (let i = 0; i < out.length; i++) {
    out[i] = uncond.data[i] + Math.fround(g * Math.fround(cond.data[i] - uncond.data[i]))
  }
  return tensor(out, cond.dims)
}

/**
 * diffusers' do_classifier_free_guidance of the PixArt-Σ, SD3 and Wan pipelines: guidance_scale > 1
 * (Wan 2.2: its first scale decides).
 */
export function usesCfg(guidanceScale: number): boolean {
  return guidanceScale > 1
}

/** Guidance 1 is the conditional prediction alone: the uncond branch is not run at all. */
export function needsUncond(scale: number): boolean {
  return scale !== 1
}

/** Samples on the batch axis of one transformer call: 2 when CFG's branches run as one call. */
export function cfgCallBatch(separateCfg: boolean, scale: number): number {
  return separateCfg || !needsUncond(scale) ? 1 : 2
}
