import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { Engine, sourceThreadEntry } from '../../src/main/engine/engine'
import { chooseLayout, layoutIsAuto, tuningFor } from '../../src/main/engine/layout-choice'
import { LaneSession } from '../../src/main/engine/model/session-lane'
import { ModelRunner } from '../../src/main/engine/thread/entry'
import {
  layoutPath,
  readStoredLayout,
  saveLayoutRecord,
  type LayoutRecord
} from '../../src/main/engine/thread-layout-store'
import type { GenerationResult } from '../../src/shared/generation'
import { FIXTURES, fixture, readReference, request } from './fixtures'

/**
 * Thread layouts chosen at load (docs/engine.md, "CFG parallelism"): the measured layout stored
 * per model, provider and core count; what the caller sets wins over it, it wins over the
 * model's default; and the layout changes the speed, never the numbers.
 */

const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'thread-layouts-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const KEY = { model: 'tiny-image', provider: 'cpu', cores: 2 }
const record = (over: Partial<LayoutRecord> = {}): LayoutRecord => ({
  format: 'cache-studio.thread-layout',
  version: 1,
  ...KEY,
  layout: { intraOpThreads: 1, cfgLanes: 2 },
  measured: { at: '2026-12-02T20:00:00.000Z', rounds: 3, steps: 4, figures: [] },
  ...over
})

describe('thread layout store', () => {
  it('reads back what was saved, silently', async () => {
    const dir = tempDir()
    await saveLayoutRecord(dir, record())
    const warn = vi.fn()
    expect(await readStoredLayout(dir, KEY, warn)).toEqual({ intraOpThreads: 1, cfgLanes: 2 })
    expect(warn).not.toHaveBeenCalled()
    // The atomic writer leaves no temp file behind.
    expect(readdirSync(dir)).toEqual([layoutPath(dir, KEY).slice(dir.length + 1)])
  })

  it('has nothing, and says nothing, where no layout was measured', async () => {
    const warn = vi.fn()
    expect(await readStoredLayout(tempDir(), KEY, warn)).toBeNull()
    expect(await readStoredLayout(join(tempDir(), 'absent'), KEY, warn)).toBeNull()
    expect(warn).not.toHaveBeenCalled()
  })

  it('EXPECTED FAILURE: ignores a corrupt file with one line, never throws', async () => {
    const dir = tempDir()
    writeFileSync(layoutPath(dir, KEY), '{"format": "cache-studio.thread-la')
    const warn = vi.fn()
    expect(await readStoredLayout(dir, KEY, warn)).toBeNull()
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0][0]).toMatch(/thread layout .* ignored: not JSON/)
  })

  it('EXPECTED FAILURE: ignores a record that fails the schema (0 lanes, 3 lanes)', async () => {
    const dir = tempDir()
    const bad = { ...record(), layout: { intraOpThreads: 1, cfgLanes: 3 } }
    writeFileSync(layoutPath(dir, KEY), JSON.stringify(bad))
    const warn = vi.fn()
    expect(await readStoredLayout(dir, KEY, warn)).toBeNull()
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0][0]).toMatch(/ignored: .*cfgLanes/)
  })

  it("EXPECTED FAILURE: ignores another model's record under this model's name", async () => {
    const dir = tempDir()
    writeFileSync(layoutPath(dir, KEY), JSON.stringify(record({ model: 'other-model' })))
    writeFileSync(layoutPath(dir, { ...KEY, cores: 4 }), JSON.stringify(record({ cores: 2 })))
    const warn = vi.fn()
    expect(await readStoredLayout(dir, KEY, warn)).toBeNull()
    expect(await readStoredLayout(dir, { ...KEY, cores: 4 }, warn)).toBeNull()
    expect(warn).toHaveBeenCalledTimes(2)
    expect(warn.mock.calls[0][0]).toMatch(/it is for other-model on cpu with 2 cores, not tiny-image/)
    expect(warn.mock.calls[1][0]).toMatch(/with 2 cores, not tiny-image on cpu with 4/)
  })

  it('keeps models, providers and core counts apart in file names', () => {
    const paths = new Set([
      layoutPath('/d', KEY),
      layoutPath('/d', { ...KEY, cores: 4 }),
      layoutPath('/d', { ...KEY, provider: 'cuda' }),
      layoutPath('/d', { ...KEY, model: 'tiny/image' }),
      layoutPath('/d', { ...KEY, model: 'tiny_image' })
    ])
    expect(paths.size).toBe(5)
    for (const p of paths) expect(p.startsWith('/d/')).toBe(true)
  })
})

describe('layout choice', () => {
  const stored = { intraOpThreads: 2, cfgLanes: 1 as const }

  it('uses the stored measurement over the default', () => {
    expect(chooseLayout({ tuning: { intraOpThreads: 0 }, stored, separateCfg: true, cores: 2 })).toEqual({
      ...stored,
      source: 'stored'
    })
    expect(chooseLayout({ tuning: undefined, stored, separateCfg: true, cores: 2 }).source).toBe('stored')
  })

  it("keeps the caller's thread or lane count over the stored one", () => {
    expect(chooseLayout({ tuning: { intraOpThreads: 1 }, stored, separateCfg: true, cores: 2 })).toEqual({
      intraOpThreads: 1,
      cfgLanes: 1,
      source: 'explicit'
    })
    expect(
      chooseLayout({ tuning: { intraOpThreads: 0, cfgLanes: 2 }, stored, separateCfg: true, cores: 4 })
    ).toEqual({ intraOpThreads: 2, cfgLanes: 2, source: 'explicit' })
    expect(
      chooseLayout({ tuning: { intraOpThreads: 0, cfgLanes: 1 }, stored, separateCfg: true, cores: 2 })
    ).toEqual({ intraOpThreads: 0, cfgLanes: 1, source: 'explicit' })
  })

  it('defaults separate-CFG models on two or more cores to two lanes, on one core to CFG batched into one call, others to one lane', () => {
    const auto = { tuning: { intraOpThreads: 0 }, stored: null }
    expect(chooseLayout({ ...auto, separateCfg: true, cores: 2 })).toEqual({
      intraOpThreads: 1,
      cfgLanes: 2,
      source: 'default'
    })
    expect(chooseLayout({ ...auto, separateCfg: true, cores: 8 }).intraOpThreads).toBe(4)
    expect(chooseLayout({ ...auto, separateCfg: true, cores: 1 })).toEqual({
      intraOpThreads: 1,
      cfgLanes: 1,
      cfgBatch: true,
      source: 'default'
    })
    expect(chooseLayout({ ...auto, separateCfg: false, cores: 1 })).toEqual({
      intraOpThreads: 0,
      cfgLanes: 1,
      source: 'default'
    })
    expect(chooseLayout({ ...auto, separateCfg: false, cores: 2 }).cfgLanes).toBe(1)
    expect(chooseLayout({ ...auto, separateCfg: undefined, cores: 2 }).cfgLanes).toBe(1)
  })

  it('keeps spinning and reads 0 threads without lanes as auto', () => {
    expect(layoutIsAuto({ intraOpThreads: 0, spinning: true })).toBe(true)
    expect(layoutIsAuto({ intraOpThreads: 3 })).toBe(false)
    const choice = chooseLayout({
      tuning: { intraOpThreads: 0, spinning: true },
      stored,
      separateCfg: true,
      cores: 2
    })
    expect(tuningFor(choice, { intraOpThreads: 0, spinning: true })).toEqual({
      intraOpThreads: 2,
      cfgLanes: 1,
      spinning: true
    })
  })
})

describe('the engine loads with the chosen layout', () => {
  const ref = readReference('tiny-image')
  const req = request({
    model: fixture('tiny-image'),
    prompt: ref.prompt,
    steps: 4,
    guidanceScale: 4,
    separateCfg: true,
    cache: { preset: 'F1B0' }
  })
  const gen = async (runner: ModelRunner) => {
    try {
      return await runner.generate(fixture('tiny-image'), req, {
        cancelFlag: new Int32Array(new SharedArrayBuffer(4)),
        onProgress: () => {}
      })
    } finally {
      await runner.release()
    }
  }
  const decisions = (r: GenerationResult) =>
    r.trace
      .map(({ ms: _ms, ...rest }) => rest)
      .sort((a, b) => a.step - b.step || a.branch.localeCompare(b.branch))

  it("a stored 2-lane layout runs in lanes, says so, and gives the 1-lane run's image bit for bit", async () => {
    const dir = tempDir()
    await saveLayoutRecord(dir, record({ layout: { intraOpThreads: 1, cfgLanes: 2 } }))
    const sequential = await gen(
      new ModelRunner({ tuning: { intraOpThreads: 1 }, layoutsDir: dir, cores: 2 })
    )
    expect(sequential.timings.threadLayout).toEqual({ intraOpThreads: 1, cfgLanes: 1, source: 'explicit' })
    const spy = vi.spyOn(LaneSession.prototype, 'runMixed')
    const auto = await gen(new ModelRunner({ tuning: { intraOpThreads: 0 }, layoutsDir: dir, cores: 2 }))
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(4)
    spy.mockRestore()
    expect(auto.timings.threadLayout).toEqual({ intraOpThreads: 1, cfgLanes: 2, source: 'stored' })
    expect(Buffer.from(auto.pixels).equals(Buffer.from(sequential.pixels))).toBe(true)
    expect(decisions(auto)).toEqual(decisions(sequential))
  })

  it('without a measurement a separate-CFG model on one core gets the default layout (CFG batched), reported as such', async () => {
    const r = await gen(new ModelRunner({ layoutsDir: tempDir(), cores: 1 }))
    expect(r.timings.threadLayout).toEqual({
      intraOpThreads: 1,
      cfgLanes: 1,
      cfgBatch: true,
      source: 'default'
    })
  })

  it("the Engine's generation thread reads the layouts folder it is given", async () => {
    const dir = tempDir()
    await saveLayoutRecord(
      dir,
      record({ cores: availableParallelism(), layout: { intraOpThreads: 2, cfgLanes: 1 } })
    )
    const engine = await Engine.create({
      modelDirs: { embedded: [FIXTURES] },
      thread: sourceThreadEntry(),
      layoutsDir: dir
    })
    try {
      const r = await engine.generate({ ...req, model: 'tiny-image' })
      expect(r.timings.threadLayout).toEqual({ intraOpThreads: 2, cfgLanes: 1, source: 'stored' })
    } finally {
      await engine.dispose()
    }
  })
})
