// A stand-in for `python3 -m train.torch_reference --serve` (tools/train/torch_reference.py
// serve) that speaks the same line protocol, for test/bench/torch-compare.test.ts. FAKE_TORCH says
// how it behaves; every command line it reads, and its stdin's end, is appended to FAKE_TORCH_LOG
// (so a test sees the order of the engine's runs and its own in one file).
import { appendFileSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'

const how = process.env.FAKE_TORCH ?? 'ok'
const log = (line) => appendFileSync(process.env.FAKE_TORCH_LOG, line + '\n')
const say = (obj) => process.stdout.write((typeof obj === 'string' ? obj : JSON.stringify(obj)) + '\n')
const compile = how !== 'no-compile'

if (how === 'ready-garbage') say({ ready: true, torch: '2.13.0' })
else
  say({
    ready: true,
    torch: '2.13.0+fake',
    threads: 1,
    interopThreads: 2,
    steps: 2,
    noiseFromFile: true,
    compiled: compile ? { warmupMs: 5000, eagerWarmupMs: 50, warmupSteps: 2 } : null,
    compileError: compile ? null : 'torch 1.13.1 has no torch.compile (PyTorch 2.x has)'
  })

let n = 0
const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  log(line)
  const cmd = JSON.parse(line)
  n++
  if (how === 'garbage') return say('hello')
  if (how === 'die') {
    process.stderr.write('Traceback (most recent call last):\nRuntimeError: boom\n')
    process.exit(3)
  }
  if (how === 'silent') return
  if (how === 'eager-refuses' && cmd.mode === 'eager') return say({ error: 'ValueError: no' })
  if (how === 'compile-fails' && cmd.mode === 'compile' && n > 2)
    return say({ error: 'torch.compile failed: InductorError' })
  if (cmd.save) {
    const len = Number(process.env.FAKE_TORCH_LEN)
    writeFileSync(`${cmd.save}.latent.f32`, new Uint8Array(new Float32Array(len).fill(0.5).buffer))
  }
  // Fixed step times: eager 20 ms, compile 10 ms (cached presets half), so the ratios are known.
  const ms = (cmd.mode === 'eager' ? 20 : 10) / (cmd.cache === 'none' ? 1 : 2)
  say({
    stepMs: [ms, ms],
    totalMs: 2 * ms,
    cachedCalls: cmd.cache === 'none' ? 0 : 1,
    calls: cmd.cache === 'none' ? 0 : 4
  })
})
lines.on('close', () => {
  log('EOF')
  if (how === 'linger') setInterval(() => {}, 1000)
})
