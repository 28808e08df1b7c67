/**
 * The thread-layout measurement (docs/engine.md, "CFG parallelism"): one process loads the model
 * once per layout and runs them interleaved, ROUNDS rounds of one generation each (uncached by
 * default, 28 steps), and prints each layout's median ms/step, its speedup over the first layout
 * (median of per-round ratios) and CPU ms per step.
 *
 *   ROUNDS=10 CORES=2 SPIN=0 VARIANT=none npx tsx tools/bench/thread-layouts.mts [MODEL_DIR]
 */
import { candidateLayouts, layoutLabel, measureLayouts } from '../../src/bench/thread-layout'
import { parseVariants } from '../../src/bench/variants'

const dir = process.argv[2] ?? 'resources/models/shapes-flux-tiny'
const cores = Number(process.env.CORES ?? '2')
const spin = process.env.SPIN === '1'
const layouts =
  process.env.SPIN === 'both'
    ? [...candidateLayouts(cores, false), ...candidateLayouts(cores, true)]
    : candidateLayouts(cores, spin)
const m = await measureLayouts({
  dir,
  provider: 'cpu',
  layouts,
  variant: parseVariants(process.env.VARIANT ?? 'none')[0],
  input: { prompt: 'a red circle at the center on a blue background', seed: 0, steps: 28 },
  rounds: Number(process.env.ROUNDS ?? '10'),
  onRound: (line) => console.error(line)
})
for (const f of m.figures)
  console.log(
    `${layoutLabel(f.layout).padEnd(28)} ${f.msPerStep.toFixed(2)} ms/step  ×${f.speedupVsFirst.toFixed(2)} vs first  cpu ${f.cpuMsPerStep.toFixed(2)} ms/step`
  )
console.log(`best: ${layoutLabel(m.best)} (${m.rounds} rounds, load ${(await import('node:os')).loadavg()[0].toFixed(1)})`)
