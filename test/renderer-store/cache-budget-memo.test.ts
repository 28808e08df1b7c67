import { afterEach, describe, expect, it, vi } from 'vitest'
import * as cacheForm from '../../src/renderer/src/store/cache-form'
import { isGenerating, whyCannotGenerate } from '../../src/renderer/src/store/slices/generation'
import type { StepTrace } from '../../src/shared/trace'
import { FakeStudio, fakeModel, storeWith } from './fake-studio'

// The cache form's checks, counted where the store's modules call them (their own code runs).
vi.mock('../../src/renderer/src/store/cache-form', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/renderer/src/store/cache-form')>()
  return {
    ...actual,
    blockBudgetProblem: vi.fn(actual.blockBudgetProblem),
    parseCacheDraft: vi.fn(actual.parseCacheDraft)
  }
})

/**
 * The Generate button's selector (whyCannotGenerate) runs on every store change, and a run makes
 * one per progress event. The block-budget check it reads depends on the preset, the custom draft
 * and the model only: during a run it must not be computed again, and an edit must recompute it.
 */

const trace = (step: number): StepTrace => ({
  step,
  timestep: 1 - step / 100,
  branch: 'cond',
  transformer: 'main',
  context: 'blocks',
  distance: 0.05,
  threshold: 0.08,
  cached: step % 2 === 1,
  reason: 'similar',
  blocksRun: 8,
  blocksTotal: 12,
  ms: 1
})

/** Budget checks run so far: asked for directly, or inside a parse of the custom draft with a model. */
const budgetChecks = (): number =>
  vi.mocked(cacheForm.blockBudgetProblem).mock.calls.length +
  vi.mocked(cacheForm.parseCacheDraft).mock.calls.filter(([, model]) => model != null).length

/** A store on a fake with one model, a run under way, and a subscriber that reads the button's selector per change. */
async function running(setUp: (store: ReturnType<typeof storeWith>) => void) {
  const fake = new FakeStudio()
  fake.models = [fakeModel()]
  const store = storeWith(fake)
  await store.getState().loadModels()
  setUp(store)
  const answers: (string | null)[] = []
  const unsubscribe = store.subscribe((s) => answers.push(whyCannotGenerate(s)))
  let release!: () => void
  fake.hold = new Promise((r) => (release = r))
  const run = store.getState().generate()
  await Promise.resolve()
  expect(isGenerating(store.getState())).toBe(true)
  const jobId = store.getState().job!.id
  const progress = (step: number): void =>
    fake.emit('generateProgress', {
      jobId,
      event: { step, totalSteps: 200, elapsedMs: step, etaMs: 200 - step, traces: [trace(step)] }
    })
  const finish = async (): Promise<void> => {
    release()
    await run
    unsubscribe()
  }
  return { store, answers, progress, finish }
}

describe('the block-budget check during a run', () => {
  afterEach(() => vi.clearAllMocks())

  it('a named preset: checked once before the run, not once per progress event', async () => {
    const { store, answers, progress, finish } = await running((s) => s.getState().setPreset('F8B0'))
    expect(whyCannotGenerate(store.getState())).toBeNull()
    const before = budgetChecks()
    for (let step = 0; step < 200; step++) progress(step)
    expect(store.getState().job!.traces).toHaveLength(200)
    expect(answers.length).toBeGreaterThanOrEqual(200)
    expect(new Set(answers)).toEqual(new Set([null]))
    expect(budgetChecks() - before).toBe(0)
    await finish()
  })

  it('a custom draft: parsed and checked when it or the model changes, not per progress event', async () => {
    const { store, answers, progress, finish } = await running((s) => s.getState().customizeFrom('F8B0'))
    const before = budgetChecks()
    for (let step = 0; step < 100; step++) progress(step)
    expect(budgetChecks() - before).toBe(0)

    // Fn = 13 does not fit the 12 blocks: the form refuses it, and so does the button.
    store.getState().setCustomField('Fn', '13')
    expect(budgetChecks() - before).toBe(1)
    const refused = whyCannotGenerate(store.getState())
    expect(refused).toBe('Fix the custom cache settings')
    for (let step = 100; step < 200; step++) progress(step)
    expect(budgetChecks() - before).toBe(1)
    expect(answers[answers.length - 1]).toBe(refused)

    // Another model object (the list read again) is a new input: checked again.
    store.setState((s) => ({ models: s.models.map((m) => ({ ...m })) }))
    expect(budgetChecks() - before).toBe(2)
    await finish()
  })

  it('a named preset too big for the model is refused the same after the memo as before', async () => {
    const fake = new FakeStudio()
    fake.models = [fakeModel()]
    const store = storeWith(fake)
    await store.getState().loadModels()
    store.getState().setPreset('F8B8-taylorseer')
    const refusal = whyCannotGenerate(store.getState())
    expect(refusal).toBe(
      'F8B8 + TaylorSeer does not fit this model: Fn + Bn = 16 exceeds the 12 blocks of main'
    )
    expect(whyCannotGenerate(store.getState())).toBe(refusal)
    expect(vi.mocked(cacheForm.blockBudgetProblem)).toHaveBeenCalledTimes(1)
    store.getState().setPreset('F1B0')
    expect(whyCannotGenerate(store.getState())).toBeNull()
  })
})
