/**
 * Per-call overhead of the engine's transformer call (docs/engine.md, "Per-call overhead"): one
 * process loads a package and runs CALLS transformer calls (branch cond, batch 1) of one cache
 * preset, one step each with the sigma walking down as in a generation, so that a caching preset
 * mixes computed and cached calls as it would. It prints wall and process CPU ms per call.
 *
 *   CALLS=200 VARIANT=none [PART=final] npx tsx tools/bench/call-overhead.mts [MODEL_DIR]
 *
 * Instruction counts (hardware counters are not available in this VM) come from running it under
 * callgrind, which dumps its counts at two markers around the timed calls
 * (tools/bench/call-overhead-compare.sh, CG=1).
 */
import { createHash } from 'node:crypto'
import { getPriority } from 'node:os'
import { createStepCache } from '../../src/main/engine/cache/index'
import { LoadedModel } from '../../src/main/engine/model/loaded-model'
import { loadPackage } from '../../src/main/engine/model/package'
import { gaussianNoise } from '../../src/main/engine/pipeline/noise'
import { encodePrompt } from '../../src/main/engine/pipeline/text-encoder'
import { callTransformer } from '../../src/main/engine/pipeline/transformer-call'
import type { Feed } from '../../src/main/engine/model/session'
import { tensor, type Tensor } from '../../src/main/engine/tensor'
import { parseVariants } from '../../src/bench/variants'
import { resolveCacheConfig } from '../../src/shared/presets'

const dir = process.argv[2] ?? 'resources/models/shapes-flux-tiny'
const calls = Number(process.env.CALLS ?? '200')
const threads = Number(process.env.THREADS ?? '1')
const variant = parseVariants(process.env.VARIANT ?? 'none')[0]
const model = await LoadedModel.load(await loadPackage(dir), {
  provider: 'cpu',
  tuning: { intraOpThreads: threads }
})
const m = model.manifest
const { channels: C, height: H, width: W } = m.latent
const latent = tensor(gaussianNoise(0, C * H * W), [1, C, H, W])
const text = await encodePrompt(model, m.examples?.[0] ?? 'a red circle')
const t = model.transformers[0]
const stepCache = createStepCache(resolveCacheConfig(variant.preset, variant.overrides))

/**
 * PART=final: the final graph's own session call alone, on the streams of one uncached call (what
 * a cached F8B0 call runs after its Fn blocks: docs/engine.md, "Per-call overhead").
 */
async function finalCalls(n: number): Promise<string> {
  const program = t.contexts(true)[0]
  const feeds: Record<string, Tensor> = { latent, timestep: tensor(Float32Array.of(0.5), [1]), ...text }
  const runner = program.runner({ kind: 'embed', feeds }, () => {})
  const { output } = await runner.enter(program.blockCount)
  const context = runner.context()
  const hash = createHash('sha256')
  for (let i = 0; i < n; i++) {
    const finalFeeds: Record<string, Feed> = {}
    for (const name of t.final.inputNames)
      finalFeeds[name] = name === 'hidden_states' ? output.hidden : context[name]
    const v = (await t.final.run(finalFeeds, ['velocity'])).velocity
    hash.update(new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength))
  }
  return hash.digest('hex').slice(0, 16)
}

/** `n` calls as the steps of one generation of `n` steps (the cache starts afresh). */
async function generation(n: number): Promise<string> {
  if (process.env.PART === 'final') return finalCalls(n)
  stepCache.beginGeneration()
  const hash = createHash('sha256')
  for (let step = 0; step < n; step++) {
    const sigma = 1 - step / n
    const v = await callTransformer(
      t,
      { latent, timestep: tensor(Float32Array.of(sigma), [1]), text },
      { stepCache, step, sigma, branch: 'cond', mergeBlockLists: true, beforeCall: () => {} }
    )
    hash.update(new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength))
  }
  return hash.digest('hex').slice(0, 16)
}

// Warm: every session the preset uses runs before timing. A fixed count, so that two runs
// with different CALLS differ by the timed calls alone (the callgrind difference).
await generation(Number(process.env.WARM ?? '28'))
// Markers for callgrind (tools/bench/call-overhead-compare.sh): getpriority(2) is called nowhere
// else in the process, so `--dump-before=getpriority` cuts the counts exactly around these calls.
getPriority()
const w0 = performance.now()
const c0 = process.cpuUsage()
const checksum = await generation(calls)
const c = process.cpuUsage(c0)
const wallMs = performance.now() - w0
getPriority()
const cached = stepCache.traces().filter((x) => x.cached).length
console.log(
  JSON.stringify({
    model: m.id,
    variant: variant.label,
    calls,
    cached,
    wallMsPerCall: wallMs / calls,
    cpuMsPerCall: (c.user + c.system) / 1000 / calls,
    /** sha256 of every velocity's bytes: the same in two builds means bit-identical outputs. */
    checksum
  })
)
await model.release()
