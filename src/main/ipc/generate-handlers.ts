import { entryFrames } from '../gallery/frames'
import { ApiFailure } from '../../shared/failure'
import { handleCall, sendEvent } from './handle'
import type { Services } from './services'

/**
 * Generate (progress pushed as events, the output saved to the gallery), cancel by job id, and
 * compare two gallery entries with the engine's metrics.
 */
export function registerGenerateHandlers({ engine, settings, gallery, window }: Services): void {
  const jobs = new Map<string, AbortController>()

  handleCall('generate', async ({ jobId, request }) => {
    if (jobs.has(jobId)) throw new ApiFailure('bad_request', `generate: job ${jobId} is already running`)
    const controller = new AbortController()
    jobs.set(jobId, controller)
    try {
      // `auto` in a request means "the app's choice", which is the provider setting.
      const provider = request.provider === 'auto' ? settings.get().provider : request.provider
      const result = await engine.generate(
        { ...request, provider },
        {
          signal: controller.signal,
          // An added model is found by its id in these folders (without them: model_not_found).
          extraModelDirs: settings.get().extraModelDirs,
          onProgress: (event) => sendEvent(window()?.webContents, 'generateProgress', { jobId, event })
        }
      )
      const meta = await (await gallery()).save(result)
      // The entry as the gallery would read it back: its meta, the files written and the trace.
      const { files, trace, summary } = result
      return { ...meta, files, trace, summary, entryId: meta.id }
    } finally {
      jobs.delete(jobId)
    }
  })

  // What the text encoder will see of a prompt, as the user types it (the engine's tokenizer).
  handleCall('countTokens', ({ model, text }) =>
    engine.request('countTokens', { model, text, extraModelDirs: settings.get().extraModelDirs })
  )

  handleCall('cancelGenerate', ({ jobId }) => {
    const job = jobs.get(jobId)
    job?.abort()
    return { cancelled: job !== undefined }
  })

  handleCall('compare', async ({ a, b }) => {
    const store = await gallery()
    const [left, right] = await Promise.all([store.get(a), store.get(b)])
    if (left.width !== right.width || left.height !== right.height || left.frames !== right.frames) {
      throw new ApiFailure(
        'bad_request',
        `compare: ${a} is ${left.width}×${left.height}×${left.frames} but ${b} is ${right.width}×${right.height}×${right.frames}`
      )
    }
    return engine.request('compare', {
      width: left.width,
      height: left.height,
      frames: left.frames,
      a: entryFrames(left),
      b: entryFrames(right)
    })
  })
}
