import type { ProgressEvent } from '../../../shared/generation'
import { tensor, type Tensor } from '../tensor'
import { toFrames } from './decode'
import type { StepReport } from './denoise'
import type { FamilyDenoised, FamilyDenoiseHooks } from './family-loop'

/**
 * The progress event of a finished step, with a preview when the request asks for one at this
 * step (every `previewEvery` steps, never after the last: the result itself follows). Shared by
 * every family's pipeline so the app sees the same events from each.
 */
export async function stepProgress(
  r: StepReport,
  denoiseStartedAt: number,
  previewEvery: number,
  preview: () => Promise<ProgressEvent['preview']>
): Promise<ProgressEvent> {
  const elapsedMs = performance.now() - denoiseStartedAt
  const event: ProgressEvent = {
    step: r.step,
    totalSteps: r.totalSteps,
    elapsedMs,
    etaMs: (elapsedMs / (r.step + 1)) * (r.totalSteps - r.step - 1),
    traces: r.traces
  }
  if (previewEvery > 0 && (r.step + 1) % previewEvery === 0 && r.step + 1 < r.totalSteps) {
    event.preview = await preview()
  }
  return event
}

/** What a family's loop reports of its steps' time, once it has returned. */
export interface DenoiseTimings {
  /** Each step's own time (previews and progress events are not in it). */
  perStepMs: number[]
  /** The sum of perStepMs. */
  denoiseMs: number
  /** What ran between the steps (previews, progress events) and is not preparation. */
  previewMs: number
}

export interface DenoiseTimer {
  /** The loop's onStep: times the step and sends its progress (with a preview when asked). */
  onStep(r: StepReport): Promise<void>
  /** After the loop, with the time the loop spent preparing before step 0. */
  finish(prepareMs: number): DenoiseTimings
}

/**
 * Times a family's denoising loop as every pipeline reports it: made just before the loop is
 * called, it counts each step's time, dates the denoise start from step 0's own start (so that
 * progress ETAs leave out the loop's preparation) and puts the rest of the loop's wall time, less
 * its preparation, in previewMs. `preview` decodes what step r is becoming (asked only when a
 * listener wants progress and the step is a preview step).
 */
export function denoiseTimer(
  onProgress: ((e: ProgressEvent) => void) | undefined,
  previewEvery: number,
  preview: (r: StepReport) => Promise<ProgressEvent['preview']>
): DenoiseTimer {
  const perStepMs: number[] = []
  let tDenoise = 0
  const tStart = performance.now()
  return {
    async onStep(r) {
      if (r.step === 0) tDenoise = performance.now() - r.stepMs
      perStepMs.push(r.stepMs)
      if (!onProgress) return
      onProgress(await stepProgress(r, tDenoise, previewEvery, () => preview(r)))
    },
    finish(prepareMs) {
      const denoiseMs = perStepMs.reduce((a, b) => a + b, 0)
      const previewMs = Math.max(0, performance.now() - tStart - prepareMs - denoiseMs)
      return { perStepMs, denoiseMs, previewMs }
    }
  }
}

/**
 * The predicted clean sample x0 = x − σ·v of a step: r.latent is already the next step's sample;
 * with this step's σ and prediction it is close enough for a preview.
 */
export function predictedClean(r: StepReport): Tensor {
  const x0 = new Float32Array(r.latent.data.length)
  for (let i = 0; i < x0.length; i++) x0[i] = r.latent.data[i] - r.sigma * r.velocity.data[i]
  return tensor(x0, r.latent.dims)
}

/** A decoded image tensor as a progress preview: its first frame, RGBA8. */
export function previewFrame(image: Tensor, video: boolean): NonNullable<ProgressEvent['preview']> {
  const f = toFrames(image, video)
  return {
    width: f.width,
    height: f.height,
    pixels: f.frames === 1 ? f.pixels : f.pixels.slice(0, f.width * f.height * 4)
  }
}

/**
 * A family's denoising loop as every generate runs it: on warm sessions, timed by denoiseTimer,
 * with the request's progress events; `preview` is the image tensor of what step r is becoming,
 * shown as a preview frame (the first frame where `video`).
 */
export async function timedDenoise(
  hooks: Pick<FamilyDenoiseHooks, 'createStepCache' | 'beforeCall'> & {
    onProgress?: (e: ProgressEvent) => void
  },
  previewEvery: number,
  preview: (r: StepReport) => Promise<Tensor>,
  video: boolean,
  loop: (hooks: FamilyDenoiseHooks) => Promise<FamilyDenoised>
): Promise<{ denoised: FamilyDenoised; timings: DenoiseTimings }> {
  const timer = denoiseTimer(hooks.onProgress, previewEvery, async (r) =>
    previewFrame(await preview(r), video)
  )
  const denoised = await loop({
    createStepCache: hooks.createStepCache,
    beforeCall: hooks.beforeCall,
    warm: true,
    onStep: timer.onStep
  })
  return { denoised, timings: timer.finish(denoised.prepareMs) }
}
