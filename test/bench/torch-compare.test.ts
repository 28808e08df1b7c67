import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Measured } from '../../src/bench/measure'
import { TorchChild } from '../../src/bench/torch-child'
import { compareWithTorch, DEFAULT_TORCH, type CompareWithTorchInput } from '../../src/bench/torch-compare'

/**
 * The bench's side of the PyTorch line protocol (torch-child.ts, torch-compare.ts) against a fake
 * child that speaks it (fake-torch-child.mjs): the rounds' order, the ratios made of each round's
 * runs, and the one-line errors for a child that answers garbage, dies or goes quiet. The real
 * child is tested in tools/tests/test_torch_reference.py and, end to end, in model-bench.test.ts.
 */

const FAKE = resolve(__dirname, 'fake-torch-child.mjs')
const LEN = 16

let dir: string
let logPath: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'torch-compare-test-'))
  logPath = join(dir, 'log')
  writeFileSync(logPath, '')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const log = () => readFileSync(logPath, 'utf8').trim().split('\n')

/** An engine run with these step times: only what compareWithTorch reads of a Measured. */
function engineRun(stepMs: number[]): Measured {
  return {
    latent: { data: new Float32Array(LEN).fill(0.25), dims: [LEN] },
    image: null,
    result: { timings: { perStepMs: stepMs } }
  } as unknown as Measured
}

function input(over: Partial<CompareWithTorchInput> = {}): CompareWithTorchInput {
  // The engine's uncached step gets faster in the second round: each round's ratio is its own.
  const engineMs: Record<string, number[]> = { none: [10, 8], F8B0: [5, 5] }
  const calls: Record<string, number> = { none: 0, F8B0: 0 }
  return {
    ...DEFAULT_TORCH,
    python: 'fake-python',
    threads: 1,
    repeats: 2,
    timeoutMs: 10_000,
    runTimeoutMs: 10_000,
    dir: '/nowhere',
    prompt: 'a red circle',
    seed: 0,
    steps: 2,
    video: false,
    engine: engineRun([10, 10]),
    presets: ['none', 'F8B0'],
    engineRun: async (p) => {
      appendFileSync(logPath, `engine ${p}\n`)
      const ms = engineMs[p][calls[p]++]
      return engineRun([ms, ms])
    },
    ...over
  }
}

/** Starts the fake child in place of Python, with the arguments the bench would give Python. */
const fake =
  (how: string) =>
  (spec: Parameters<typeof TorchChild.start>[0]): TorchChild =>
    TorchChild.start({
      ...spec,
      command: process.execPath,
      args: [FAKE, ...spec.args],
      env: { ...spec.env, FAKE_TORCH: how, FAKE_TORCH_LOG: logPath, FAKE_TORCH_LEN: String(LEN) }
    })

const modeOf = (line: string) => {
  if (line.startsWith('engine') || line === 'EOF') return line
  const c = JSON.parse(line) as { mode: string; cache: string }
  return `${c.mode} ${c.cache}`
}

describe('compareWithTorch against a child that speaks the line protocol', () => {
  it('interleaves the rounds: engine, eager, compile per preset, each round in turn, then closes the child', async () => {
    const t = await compareWithTorch(input(), fake('ok'))
    const round = ['engine none', 'eager none', 'compile none', 'engine F8B0', 'eager F8B0', 'compile F8B0']
    expect(log().map(modeOf)).toEqual([...round, ...round, 'EOF'])
    // Only the first round's uncached runs write their outputs (for the fidelity figures).
    const saves = log()
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { save?: string })
    expect(saves.map((c) => c.save !== undefined)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false
    ])
    expect(t.rounds).toBe(2)
    expect(t.latentMaxDiff).toBeCloseTo(0.25, 6)
    expect(t.compileLatentMaxDiff).toBe(0)
  })

  it('gives per-round ratios (each PyTorch run against the engine run just before it), their median and range', async () => {
    const t = await compareWithTorch(input(), fake('ok'))
    expect(t.roundRatios?.none.eager).toEqual({ perRound: [2, 2.5], median: 2.25, min: 2, max: 2.5 })
    expect(t.roundRatios?.none.compile).toEqual({ perRound: [1, 1.25], median: 1.125, min: 1, max: 1.25 })
    expect(t.roundRatios?.F8B0.eager.perRound).toEqual([2, 2])
    expect(t.engineSpeedupUncached).toBe(2.25)
    expect(t.engineSpeedupCompiled).toBe(1.125)
    // The per-side medians beside them, over all the rounds' steps.
    expect(t.engineStepMs).toEqual({ none: 9, F8B0: 5 })
    expect(t.torchStepMs).toEqual({ none: 20, F8B0: 10 })
    expect(t.torchCompileStepMs).toEqual({ none: 10, F8B0: 5 })
    expect(t.torchCachedCalls).toEqual({ F8B0: [1, 4] })
    expect([t.torchVersion, t.threads, t.torchInteropThreads, t.compileWarmupMs]).toEqual([
      '2.13.0+fake',
      1,
      2,
      5000
    ])
  })

  it('a torch without torch.compile: eager rounds only, the reason reported', async () => {
    const t = await compareWithTorch(input(), fake('no-compile'))
    expect(log().map(modeOf)).not.toContain('compile none')
    expect(t.compileError).toBe('torch 1.13.1 has no torch.compile (PyTorch 2.x has)')
    expect(t.torchCompileStepMs).toBeNull()
    expect(t.roundRatios?.none.compile).toBeNull()
    expect(t.roundRatios?.none.eager.perRound).toEqual([2, 2.5])
  })

  it('torch.compile failing in a timed run drops the compile column and keeps the eager one', async () => {
    const t = await compareWithTorch(input(), fake('compile-fails'))
    expect(t.compileError).toBe('torch.compile failed: InductorError')
    expect([t.torchCompileStepMs, t.engineSpeedupCompiled, t.roundRatios?.none.compile]).toEqual([
      null,
      null,
      null
    ])
    expect(t.roundRatios?.none.eager.perRound).toEqual([2, 2.5])
    // After the failure (its second compile command) compile is asked no more.
    expect(
      log()
        .map(modeOf)
        .filter((l) => l.startsWith('compile'))
    ).toEqual(['compile none', 'compile F8B0'])
  })

  it('EXPECTED FAILURE: a child that answers garbage is a one-line error, and is ended', async () => {
    await expect(compareWithTorch(input(), fake('garbage'))).rejects.toThrow(
      /^fake-python -m train\.torch_reference answered "hello" to eager none \(not JSON\)$/
    )
  })

  it('EXPECTED FAILURE: a ready line that lacks the protocol’s fields is refused', async () => {
    await expect(compareWithTorch(input(), fake('ready-garbage'))).rejects.toThrow(
      /^fake-python -m train\.torch_reference answered ".*" as its ready line \(/
    )
  })

  it('EXPECTED FAILURE: a child that dies says how, with the last line of its stderr', async () => {
    await expect(compareWithTorch(input(), fake('die'))).rejects.toThrow(
      'fake-python -m train.torch_reference exited with code 3 before its answer to eager none: RuntimeError: boom'
    )
  })

  it('EXPECTED FAILURE: a child that stops answering times out and is killed, not waited for', async () => {
    await expect(compareWithTorch(input({ runTimeoutMs: 300 }), fake('silent'))).rejects.toThrow(
      'fake-python -m train.torch_reference timed out after 0.3 s waiting for its answer to eager none; killed'
    )
  })

  it('EXPECTED FAILURE: eager refusing a run fails the comparison with the child’s reason', async () => {
    await expect(compareWithTorch(input(), fake('eager-refuses'))).rejects.toThrow(
      'fake-python -m train.torch_reference: eager none: ValueError: no'
    )
  })

  it('EXPECTED FAILURE: a Python that cannot be started says so', async () => {
    await expect(compareWithTorch(input({ python: join(dir, 'no-python') }))).rejects.toThrow(
      /no-python -m train\.torch_reference could not run: spawn .*no-python ENOENT before its ready line/
    )
  })
})

describe('TorchChild', () => {
  const spec = (how: string) => ({
    command: process.execPath,
    args: [FAKE],
    env: { ...process.env, FAKE_TORCH: how, FAKE_TORCH_LOG: logPath, FAKE_TORCH_LEN: String(LEN) },
    readyTimeoutMs: 10_000,
    runTimeoutMs: 10_000,
    label: 'fake'
  })

  it('closing its input is the end: the child exits with status 0', async () => {
    const child = TorchChild.start(spec('ok'))
    await child.ready()
    await child.close()
    expect(log()).toEqual(['EOF'])
  })

  it('EXPECTED FAILURE: a child that does not exit at EOF is killed and that is an error', async () => {
    const child = TorchChild.start(spec('linger'))
    await child.ready()
    await expect(child.close(300)).rejects.toThrow('fake killed by SIGKILL after its input closed')
  })
})
