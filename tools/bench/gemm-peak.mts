/**
 * ONNX Runtime's rate on the plain GEMM that tools/bench/gemm_peak.py writes, with the engine's
 * session options (src/main/engine/model/session.ts): the peak the engine's MatMuls can reach.
 *
 *   THREADS=1 npx tsx tools/bench/gemm-peak.mts /tmp/gemm.onnx
 */
import { readFile } from 'node:fs/promises'
import { Session } from '../../src/main/engine/model/session'
import { tensor } from '../../src/main/engine/tensor'

const path = process.argv[2] ?? '/tmp/gemm.onnx'
const threads = Number(process.env.THREADS ?? '1')
const repeats = Number(process.env.REPEATS ?? '8')
const s = await Session.create(await readFile(path), 'gemm', 'cpu', { intraOpThreads: threads })
const n = Number((s.inputs[0].shape[0] as number) ?? 2048)
const a = tensor(Float32Array.from({ length: n * n }, () => Math.random() - 0.5), [n, n])
const feeds = { a, b: a }
for (let i = 0; i < 2; i++) await s.run(feeds)
let best = Infinity
let bestCpu = Infinity
for (let i = 0; i < repeats; i++) {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  await s.run(feeds)
  const c = process.cpuUsage(c0)
  best = Math.min(best, performance.now() - t0)
  bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000)
}
const rate = (ms: number) => ((2 * n ** 3) / (ms / 1000) / 1e9).toFixed(1)
// Per CPU second of the process (all threads): the cores' rate while this process had them.
console.log(
  `onnxruntime GEMM ${n}^3 x ${threads} threads: ${rate(best)} GFLOP/s wall, ${rate(bestCpu)} GFLOP per CPU second (best of ${repeats})`
)
await s.release()
