/**
 * One process of the step-time spread measurement (docs/engine.md, "Step-time spread"): loads a
 * model, runs one untimed generation, then GENS timed ones of the same prompt, seed and steps,
 * uncached, and prints each one's median wall ms/step and process CPU ms per step.
 *
 *   THREADS=1 GENS=4 [LANES=2] [SPIN=1] [CFG_BATCH=1] npx tsx tools/bench/step-spread.mts [MODEL_DIR]
 *
 * LANES=2: CFG's branches concurrently (SessionTuning.cfgLanes); SPIN=1: ONNX Runtime's pool
 * threads spin while waiting (SessionTuning.spinning).
 *
 * After the generations the same process times a control: one bare session of the whole
 * transformer as the engine compiles it (one graph, batch 1), run twice per "step", GENS × 28
 * steps, nothing of the pipeline or the cache around it. The control's spread between processes
 * is the machine's and ONNX Runtime's; the engine's own share is the spread of engine / control.
 */
import { loadBenchTarget } from '../../src/bench/bench-target'
import { measure } from '../../src/bench/measure'
import { median } from '../../src/bench/stats'
import { parseVariants } from '../../src/bench/variants'
import { loadPackage } from '../../src/main/engine/model/package'
import { compileWholeTransformer } from '../../src/main/engine/model/segments'
import { Session } from '../../src/main/engine/model/session'
import { gaussianNoise } from '../../src/main/engine/pipeline/noise'
import { tensor, type Tensor } from '../../src/main/engine/tensor'

const dir = process.argv[2] ?? 'resources/models/shapes-flux-tiny'
const threads = Number(process.env.THREADS ?? '1')
const gens = Number(process.env.GENS ?? '4')
const lanes = process.env.LANES === '2' ? 2 : 1
const spinning = process.env.SPIN === '1'
const cfgBatch = process.env.CFG_BATCH === '1'
const model = await loadBenchTarget(dir, 'cpu', { intraOpThreads: threads, cfgLanes: lanes, spinning, cfgBatch })
const none = parseVariants('none')[0]
const input = { prompt: 'a red circle at the center on a blue background', seed: 0, steps: 28 }
await measure(model, none, input)
const out: string[] = []
for (let g = 0; g < gens; g++) {
  const m = await measure(model, none, input)
  const steps = m.result.timings.perStepMs
  out.push(`${median(steps).toFixed(2)}/${(m.cpuMs / steps.length).toFixed(2)}`)
}
await model.release()

const pkg = await loadPackage(dir)
const t = pkg.manifest.transformers[0]
const blocks = t.blockLists.flatMap((l) => l.blocks.map((f) => ({ model: pkg.graph(f), pattern: l.pattern })))
const bytes = compileWholeTransformer(pkg.graph(t.embed.file), blocks, pkg.graph(t.final.file), 1, true)
const control = await Session.create(bytes, 'control', 'cpu', { intraOpThreads: threads, spinning })
const feeds: Record<string, Tensor> = {}
for (const [i, info] of control.inputs.entries()) {
  // Every dim is fixed in the compiled graph (batch 1, the package's latent and text sizes).
  const dims = info.shape.map((d) => (typeof d === 'number' ? d : 1))
  feeds[info.name] = tensor(gaussianNoise(i + 1, dims.reduce((a, b) => a * b, 1)), dims)
}
const step = async () => {
  const t0 = performance.now()
  await control.run(feeds, ['velocity'])
  await control.run(feeds, ['velocity'])
  return performance.now() - t0
}
for (let i = 0; i < 28; i++) await step()
const controlOut: string[] = []
for (let g = 0; g < gens; g++) {
  const times: number[] = []
  for (let i = 0; i < input.steps; i++) times.push(await step())
  controlOut.push(median(times).toFixed(2))
}
await control.release()
console.log(
  `threads ${threads} lanes ${lanes} spin ${spinning ? 1 : 0}${cfgBatch ? ' cfg-batch' : ''} median ms/step (wall/cpu per step) per generation: ${out.join(' ')} | control ms/step: ${controlOut.join(' ')}`
)
