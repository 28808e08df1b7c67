/**
 * One process of the step-time spread measurement (docs/engine.md, "Step-time spread"): loads a
 * model, runs one untimed generation, then GENS timed ones of the same prompt, seed and steps,
 * uncached, and prints each one's median wall ms/step and process CPU ms per step.
 *
 *   THREADS=1 GENS=4 [LANES=2] [SPIN=1] npx tsx tools/bench/step-spread.mts [MODEL_DIR]
 *
 * LANES=2: CFG's branches concurrently (SessionTuning.cfgLanes); SPIN=1: ONNX Runtime's pool
 * threads spin while waiting (SessionTuning.spinning).
 */
import { loadBenchTarget } from '../../src/bench/bench-target'
import { measure } from '../../src/bench/measure'
import { median } from '../../src/bench/stats'
import { parseVariants } from '../../src/bench/variants'

const dir = process.argv[2] ?? 'resources/models/shapes-flux-tiny'
const threads = Number(process.env.THREADS ?? '1')
const gens = Number(process.env.GENS ?? '4')
const lanes = process.env.LANES === '2' ? 2 : 1
const spinning = process.env.SPIN === '1'
const model = await loadBenchTarget(dir, 'cpu', { intraOpThreads: threads, cfgLanes: lanes, spinning })
const none = parseVariants('none')[0]
const input = { prompt: 'a red circle at the center on a blue background', seed: 0, steps: 28 }
await measure(model, none, input)
const out: string[] = []
for (let g = 0; g < gens; g++) {
  const m = await measure(model, none, input)
  const steps = m.result.timings.perStepMs
  out.push(`${median(steps).toFixed(2)}/${(m.cpuMs / steps.length).toFixed(2)}`)
}
console.log(`threads ${threads} lanes ${lanes} spin ${spinning ? 1 : 0} median ms/step (wall/cpu per step) per generation: ${out.join(' ')}`)
await model.release()
