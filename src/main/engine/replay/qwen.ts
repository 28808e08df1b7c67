import { createStepCache } from '../cache/index'
import { EngineFailure } from '../errors'
import type { BeforeCall } from '../model/block-program'
import { qwenTextInputs } from '../pipeline/qwen-image/denoise'
import type { QwenImageModel } from '../pipeline/qwen-image/model'
import { callTransformer } from '../pipeline/transformer-call'
import { maxAbsDiff } from './diff'
import type { QwenTransformerGolden } from './qwen-golden'
import { uncachedConfig } from './uncached-run'

/**
 * `studio replay` of a Qwen-Image transformer golden: each case's inputs through the engine's
 * transformer call (the whole graph, or the cut blocks through the step cache with caching off),
 * the output compared with diffusers'.
 */

export interface QwenCaseResult {
  name: string
  outputMaxAbsDiff: number
}

export async function replayQwenTransformer(
  model: QwenImageModel,
  golden: QwenTransformerGolden,
  beforeCall: BeforeCall = () => undefined
): Promise<QwenCaseResult[]> {
  const call = model.call ?? callTransformer
  const results: QwenCaseResult[] = []
  for (const c of golden.cases) {
    if (model.shape.fixedBatch !== null && c.hidden.dims[0] !== model.shape.fixedBatch) continue
    const stepCache = createStepCache(uncachedConfig())
    stepCache.beginGeneration()
    const out = await call(
      model.transformer,
      {
        latent: c.hidden,
        timestep: c.timestep,
        text: qwenTextInputs(model, { states: c.states, mask: c.mask })
      },
      { stepCache, step: 0, sigma: c.timestep.data[0], branch: 'cond', mergeBlockLists: false, beforeCall }
    )
    if (out.dims.join() !== c.output.dims.join())
      throw new EngineFailure(
        'model_invalid',
        `${golden.dir} ${c.name}: the engine's output is [${out.dims.join(', ')}], the golden's [${c.output.dims.join(', ')}]`
      )
    results.push({ name: c.name, outputMaxAbsDiff: maxAbsDiff(out.data, c.output.data) })
  }
  return results
}
