import type { ProgressEvent } from '../../../shared/generation'
import type { StepReport } from './denoise'

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
