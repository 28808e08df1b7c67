import type { Branch } from '../../../shared/trace'
import type { StepCache, Streams } from '../cache/seam'
import type { BeforeCall, CallRunner, Entry, RunnerLane } from '../model/block-program'
import type { LoadedTransformer } from '../model/loaded-model'
import type { Feed } from '../model/session'
import { HIDDEN, splitEmbedOutputs } from '../model/patterns'
import type { Tensor } from '../tensor'

/**
 * One transformer call: embed → every cache context through the step cache → final. The embed
 * and final graphs always run: in segments mode the embed graph inside the first context's first
 * segment, the final one inside the last segment when the cache kept that segment's output. Only
 * the block lists go through `stepCache.runBlocks`, which decides what runs. Context tensors
 * (temb, …) from the embed graph are bound to each runner.
 */

export interface TransformerInputs {
  latent: Tensor
  timestep: Tensor
  /** Text encoder outputs by name (text_hidden, text_pooled), batched like the latent. */
  text: Readonly<Record<string, Tensor>>
}

export interface CallSite {
  stepCache: StepCache
  step: number
  sigma: number
  branch: Branch
  mergeBlockLists: boolean
  beforeCall: BeforeCall
  /**
   * Which session lane runs the blocks (model/block-program.ts): 1 puts them in the session
   * lane's thread, so that this call overlaps another (CFG's branches); CFG's pairer shares the
   * session calls of both branches (model/cfg-pairing.ts). Default 0.
   */
  lane?: RunnerLane
}

export type TransformerCall = (
  t: LoadedTransformer,
  inputs: TransformerInputs,
  site: CallSite
) => Promise<Tensor>

export async function callTransformer(
  t: LoadedTransformer,
  inputs: TransformerInputs,
  site: CallSite
): Promise<Tensor> {
  const embedFeeds: Record<string, Tensor> = { latent: inputs.latent, timestep: inputs.timestep }
  for (const name of t.embed.inputNames) {
    if (name in inputs.text) embedFeeds[name] = inputs.text[name]
  }
  const programs = t.contexts(site.mergeBlockLists)
  let entry: Entry
  if (programs[0].fusesEmbed) {
    entry = { kind: 'embed', feeds: embedFeeds }
  } else {
    site.beforeCall()
    const embedded = await t.embed.runMixed(embedFeeds)
    entry = { kind: 'streams', ...splitEmbedOutputs(embedded, Object.keys(embedded)) }
  }
  let last: CallRunner | null = null
  let streams: Streams | null = null
  for (const program of programs) {
    const call = {
      step: site.step,
      timestep: site.sigma,
      branch: site.branch,
      transformer: t.manifest.name,
      context: program.name
    }
    last = program.runner(entry, site.beforeCall, site.lane ?? 0)
    streams = await site.stepCache.runBlocks(call, last)
    entry = { kind: 'streams', streams, context: last.context() }
  }
  if (!last || !streams) throw new Error(`${t.manifest.name}: no block lists to run`)
  // The last segment computed the final graph too, unless the cache replaced its output.
  const fused = last.velocityFor(streams.hidden)
  if (fused) return fused
  const context = last.context()
  const finalFeeds: Record<string, Feed> = {}
  for (const name of t.final.inputNames) finalFeeds[name] = name === HIDDEN ? streams.hidden : context[name]
  site.beforeCall()
  const out = await t.final.run(finalFeeds, ['velocity'])
  return out.velocity
}
