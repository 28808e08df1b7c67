import { beforeEach, describe, expect, it } from 'vitest'
import type { GenerateCall } from '../../src/shared/api'
import type { ProgressEvent } from '../../src/shared/generation'
import type { StepTrace } from '../../src/shared/trace'
import { buildRequest, isGenerating, whyCannotGenerate } from '../../src/renderer/src/store/slices/generation'
import { selectedRun } from '../../src/renderer/src/store/slices/gallery'
import { FakeStudio, fakeModel, storeWith } from './fake-studio'

const trace = (step: number, cached: boolean): StepTrace => ({
  step,
  timestep: 1 - step / 10,
  branch: 'cond',
  transformer: 'main',
  context: 'blocks',
  distance: step === 0 ? null : 0.05,
  threshold: 0.08,
  cached,
  reason: cached ? 'similar' : 'warmup',
  blocksRun: cached ? 8 : 12,
  blocksTotal: 12,
  ms: 1
})

describe('generation slice', () => {
  let fake: FakeStudio
  let store: ReturnType<typeof storeWith>
  beforeEach(async () => {
    fake = new FakeStudio()
    store = storeWith(fake)
    await store.getState().loadModels()
  })

  it('selects the embedded model and takes its defaults', () => {
    const { form } = store.getState()
    expect(form.modelId).toBe('tiny-image')
    expect(form.steps).toBe(12)
    expect(form.guidanceScale).toBe(3)
    expect(form.prompt).toBe('a red circle at the center on a blue background')
  })

  it('sends the chosen preset and a locked seed unchanged', async () => {
    store.getState().setForm({ seed: 7, seedLocked: true })
    store.getState().setPreset('F1B0')
    await store.getState().generate()
    const [call] = fake.called('generate')[0] as [GenerateCall]
    expect(call.request.seed).toBe(7)
    expect(call.request.cache).toEqual({ preset: 'F1B0', overrides: {} })
    expect(store.getState().job?.phase).toBe('done')
    expect(store.getState().selectedEntryId).toBe(store.getState().job?.entryId)
  })

  it("shows the output from generate's answer alone: listed and selected, files and all, without reading the gallery back", async () => {
    const before = fake.calls.length
    await store.getState().generate()
    const entryId = store.getState().job?.entryId
    expect(fake.calls.slice(before).map((c) => c.name)).toEqual(['generate'])
    expect(store.getState().entries.map((e) => e.id)).toEqual([entryId])
    expect(selectedRun(store.getState())?.files.map((f) => f.name)).toEqual(['image.png'])
  })

  it('rolls a new seed before each generate while unlocked, and shows the one it used', async () => {
    store.getState().setForm({ seed: 7, seedLocked: false })
    await store.getState().generate()
    const [call] = fake.called('generate')[0] as [GenerateCall]
    expect(store.getState().form.seed).toBe(call.request.seed)
  })

  it('appends the traces of its own job only, step by step', async () => {
    let release!: () => void
    fake.hold = new Promise((r) => (release = r))
    const running = store.getState().generate()
    await Promise.resolve()
    const id = store.getState().job!.id
    expect(isGenerating(store.getState())).toBe(true)
    const progress = (jobId: string, event: ProgressEvent): void =>
      fake.emit('generateProgress', { jobId, event })
    progress(id, { step: 0, totalSteps: 12, elapsedMs: 10, etaMs: 110, traces: [trace(0, false)] })
    progress('job-other', { step: 5, totalSteps: 12, elapsedMs: 10, etaMs: 0, traces: [trace(5, true)] })
    progress(id, { step: 1, totalSteps: 12, elapsedMs: 20, etaMs: 100, traces: [trace(1, true)] })
    const job = store.getState().job!
    expect(job.step).toBe(2)
    expect(job.traces.map((t) => [t.step, t.cached])).toEqual([
      [0, false],
      [1, true]
    ])
    release()
    await running
    expect(isGenerating(store.getState())).toBe(false)
    // The job has answered: the slice stopped following it, so a late event changes nothing.
    expect(fake.listening('generateProgress')).toBe(0)
    progress(id, { step: 2, totalSteps: 12, elapsedMs: 30, etaMs: 90, traces: [trace(2, true)] })
    expect(store.getState().job?.traces).toHaveLength(2)
  })

  it('follows its job from before the call is sent, so a first step reported at once is kept', async () => {
    const generate = fake.api().generate
    let firstStep: number | null = null
    window.studio.generate = (call) => {
      fake.emit('generateProgress', {
        jobId: call.jobId,
        event: { step: 0, totalSteps: 12, elapsedMs: 5, etaMs: 55, traces: [trace(0, false)] }
      })
      firstStep = store.getState().job!.step
      return generate(call)
    }
    await store.getState().generate()
    expect(firstStep).toBe(1)
  })

  it('EXPECTED FAILURE - a failed run stops following its progress too', async () => {
    fake.outcomes.push({ ok: false, code: 'numeric', message: 'NaN in the latents at step 3' })
    await store.getState().generate()
    expect(store.getState().job?.phase).toBe('failed')
    expect(fake.listening('generateProgress')).toBe(0)
  })

  it('a cancelled run ends as cancelled, not as an error', async () => {
    let release!: () => void
    fake.hold = new Promise((r) => (release = r))
    fake.outcomes.push({ ok: false, code: 'cancelled', message: 'generate: cancelled' })
    const running = store.getState().generate()
    await Promise.resolve()
    await store.getState().cancelGenerate()
    expect(store.getState().job?.phase).toBe('cancelling')
    expect(fake.called('cancelGenerate')[0]).toEqual([{ jobId: store.getState().job!.id }])
    release()
    await running
    expect(store.getState().job?.phase).toBe('cancelled')
    expect(store.getState().job?.error).toBeNull()
  })

  it('EXPECTED FAILURE - an engine error is kept as the job error text', async () => {
    fake.outcomes.push({ ok: false, code: 'numeric', message: 'NaN in the latents at step 3' })
    await store.getState().generate()
    expect(store.getState().job).toMatchObject({ phase: 'failed', error: 'NaN in the latents at step 3' })
  })

  it('BAD CALL - refuses to generate while the custom form is invalid, without calling main', async () => {
    store.getState().setPreset('custom')
    store.getState().setCustomField('Fn', '-3')
    expect(whyCannotGenerate(store.getState())).toBe('Fix the custom cache settings')
    expect(buildRequest(store.getState())).toBeNull()
    await store.getState().generate()
    expect(fake.called('generate')).toHaveLength(0)
  })

  it('a valid custom form sends its full config as overrides', async () => {
    store.getState().customizeFrom('F1B0')
    store.getState().setCustomField('residualDiffThreshold', '0.2')
    await store.getState().generate()
    const [call] = fake.called('generate')[0] as [GenerateCall]
    expect(call.request.cache?.preset).toBe('custom')
    expect(call.request.cache?.overrides).toMatchObject({ Fn: 1, Bn: 0, residualDiffThreshold: 0.2 })
  })
})

describe('generation slice with a small model', () => {
  it('EXPECTED FAILURE - a preset that needs more blocks than the model has is refused before calling main', async () => {
    const fake = new FakeStudio()
    fake.models = [
      fakeModel({
        transformers: [
          { name: 't', timestepRange: [0, 1], blockLists: [{ name: 'b', pattern: 'Pattern_1', blocks: 6 }] }
        ]
      })
    ]
    const store = storeWith(fake)
    await store.getState().loadModels()
    store.getState().setPreset('F8B0')
    expect(whyCannotGenerate(store.getState())).toBe(
      'F8B0 does not fit this model: Fn = 8 exceeds the 6 blocks of t'
    )
    store.getState().setPreset('F1B0')
    expect(whyCannotGenerate(store.getState())).toBeNull()
  })
})
