/**
 * The engine's side of the compute-bound comparison (docs/bench-compute.md): one transformer call
 * (cond, batch 1, cache off: one session call, embed and final fused) of a package, timed CALLS
 * times, wall and process CPU time (all threads, ONNX Runtime's pool included) per call.
 *
 *   THREADS=1 CALLS=5 npx tsx tools/bench/compute-calls.mts PACKAGE
 */
import { createStepCache } from '../../src/main/engine/cache/index'
import { median } from '../../src/bench/stats'
import { LoadedModel } from '../../src/main/engine/model/loaded-model'
import { loadPackage } from '../../src/main/engine/model/package'
import { gaussianNoise } from '../../src/main/engine/pipeline/noise'
import { encodePrompt } from '../../src/main/engine/pipeline/text-encoder'
import { callTransformer } from '../../src/main/engine/pipeline/transformer-call'
import { tensor } from '../../src/main/engine/tensor'
import { resolveCacheConfig } from '../../src/shared/presets'

const dir = process.argv[2]
const threads = Number(process.env.THREADS ?? '1')
const calls = Number(process.env.CALLS ?? '5')
const model = await LoadedModel.load(await loadPackage(dir), { provider: 'cpu', tuning: { intraOpThreads: threads } })
const m = model.manifest
const { channels: C, height: H, width: W } = m.latent
const latent = tensor(gaussianNoise(0, C * H * W), [1, C, H, W])
const text = await encodePrompt(model, m.examples?.[0] ?? 'a red circle')
const t = model.transformers[0]
const once = () =>
  callTransformer(t, { latent, timestep: tensor(Float32Array.of(0.7), [1]), text }, {
    stepCache: createStepCache(resolveCacheConfig('none')),
    step: 0,
    sigma: 0.7,
    branch: 'cond',
    mergeBlockLists: true,
    beforeCall: () => {}
  })
await once()
await once()
const wall: number[] = []
const cpu: number[] = []
for (let i = 0; i < calls; i++) {
  const w0 = performance.now()
  const c0 = process.cpuUsage()
  await once()
  const c = process.cpuUsage(c0)
  wall.push(performance.now() - w0)
  cpu.push((c.user + c.system) / 1000)
}
console.log(JSON.stringify({ engine: 'onnxruntime-node', threads, engineWallMs: median(wall), engineCpuMs: median(cpu) }))
await model.release()
