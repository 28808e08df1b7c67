import { describe, expect, it } from 'vitest'
import { GenerateRequestSchema } from '../../src/shared/generation'
import { frameChoices, framesProblem, sizeChoices, sizeProblem } from '../../src/shared/model-choices'
import { requestFromRecipe } from '../../src/shared/recipe-request'
import { sameRecipeUncached, uncachedRequest } from '../../src/renderer/src/store/slices/compare'
import { buildRequest, whyCannotGenerate } from '../../src/renderer/src/store/slices/generation'
import { FakeStudio, fakeModel, recipeOf, storeWith } from './fake-studio'

/**
 * The generate form for the importer's new families: a Wan video's frames, a static export's one
 * size and count, guidance and negative prompt as the family uses them, and a Qwen-Image package
 * that reads precomputed prompt embeddings.
 */

const wan = fakeModel({
  id: 'wan21-tiny',
  name: 'wan2.1-tiny',
  kind: 'video',
  embedded: false,
  family: 'wan',
  precision: 'fp32',
  output: { width: 32, height: 32, frames: 9 },
  sizes: { multipleOf: 16, max: 4096 },
  frames: { step: 4, max: 41 },
  guidance: 'cfg',
  defaults: { steps: 50, guidanceScale: 5, separateCfg: true, negativePrompt: '' }
})
const wanStatic = fakeModel({
  ...wan,
  id: 'wan21-static',
  sizes: { multipleOf: 16, max: 4096, fixed: { width: 32, height: 48 } },
  frames: { step: 4, max: 4097, fixed: 5 },
  output: { width: 32, height: 48, frames: 5 }
})
const schnell = fakeModel({
  id: 'flux-schnell',
  embedded: false,
  family: 'flux',
  sizes: { multipleOf: 16, max: 64 },
  guidance: 'none',
  defaults: { steps: 4, guidanceScale: 0, separateCfg: false, negativePrompt: '' }
})
const qwen = fakeModel({
  id: 'qwen-tiny',
  embedded: false,
  family: 'qwen-image',
  sizes: { multipleOf: 16, max: 64, fixed: { width: 64, height: 64 } },
  output: { width: 64, height: 64, frames: 1 },
  guidance: 'cfg',
  promptEmbeds: true
})

async function storeOf(...models: ReturnType<typeof fakeModel>[]) {
  const fake = new FakeStudio()
  fake.models = models
  const store = storeWith(fake)
  await store.getState().loadModels()
  return store
}

describe('frame counts a video model offers', () => {
  it('1 + k·step up to max (Wan: 1, 5, 9, …); a static export only its count; an image model none', () => {
    expect(frameChoices(wan)).toEqual([1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41])
    expect(frameChoices(wanStatic)).toEqual([5])
    expect(frameChoices(fakeModel())).toEqual([])
    expect(frameChoices({ frames: { step: 4, max: 4097 } })).toHaveLength(64)
  })

  it('EXPECTED FAILURE - a count off the 4k+1 grid, over max, or not the static one is named', () => {
    expect(framesProblem(wan, 8)).toBe('Frames must be 1 + a multiple of 4 up to 41')
    expect(framesProblem(wan, 45)).toBe('Frames must be 1 + a multiple of 4 up to 41')
    expect(framesProblem(wan, 41)).toBeNull()
    expect(framesProblem(wanStatic, 9)).toBe('This export is static: 5 frames only')
    expect(framesProblem(fakeModel(), null)).toBeNull()
  })
})

describe('sizes of a static export', () => {
  it('offers only the fixed width and height, and refuses any other', () => {
    expect(sizeChoices(wanStatic, 'width')).toEqual([32])
    expect(sizeChoices(wanStatic, 'height')).toEqual([48])
    expect(sizeProblem(wanStatic, 32, 48)).toBeNull()
    expect(sizeProblem(wanStatic, 48, 48)).toBe('This export is static: 32×48 only')
    expect(sizeChoices(wan, 'height').slice(0, 3)).toEqual([16, 32, 48])
  })
})

describe('the generate form for a Wan video', () => {
  it('starts at the default frames and sends frames, width and height', async () => {
    const store = await storeOf(wan)
    expect(store.getState().form).toMatchObject({ frames: 9, width: 32, height: 32 })
    store.getState().setForm({ frames: 17, width: 48 })
    const request = GenerateRequestSchema.parse(buildRequest(store.getState()))
    expect(request).toMatchObject({
      model: 'wan21-tiny',
      frames: 17,
      width: 48,
      height: 32,
      negativePrompt: ''
    })
  })

  it('a static export starts at its one size and count, whatever its default says', async () => {
    const store = await storeOf(wanStatic)
    expect(store.getState().form).toMatchObject({ frames: 5, width: 32, height: 48 })
    expect(whyCannotGenerate(store.getState())).toBeNull()
    store.getState().setForm({ frames: 9 })
    expect(whyCannotGenerate(store.getState())).toBe('This export is static: 5 frames only')
  })

  it('frames off the grid keep Generate off, saying why; an image model sends no frames', async () => {
    const store = await storeOf(wan, fakeModel())
    store.getState().selectModel('wan21-tiny')
    store.getState().setForm({ frames: 10 })
    expect(whyCannotGenerate(store.getState())).toBe('Frames must be 1 + a multiple of 4 up to 41')
    store.getState().selectModel('tiny-image')
    expect(store.getState().form.frames).toBeNull()
    expect(buildRequest(store.getState())).not.toHaveProperty('frames')
  })

  it("the recipe's frames come back in a re-run and the uncached twin, and a twin must match them", async () => {
    const recipe = {
      ...recipeOf(
        { model: 'wan21-tiny', prompt: 'a fox', seed: 3, steps: 4, cache: { preset: 'F1B0' } },
        wan
      ),
      width: 32,
      height: 32,
      frames: 17
    }
    expect(requestFromRecipe(recipe)).toMatchObject({ frames: 17 })
    expect(uncachedRequest(recipe)).toMatchObject({ frames: 17, cache: { preset: 'none' } })
    const twin = { ...recipe, cache: { ...recipe.cache, enabled: false } }
    expect(sameRecipeUncached(twin, recipe)).toBe(true)
    expect(sameRecipeUncached({ ...twin, frames: 9 }, recipe)).toBe(false)
    const store = await storeOf(wan)
    store.getState().loadRecipe(recipe)
    expect(store.getState().form).toMatchObject({ frames: 17, width: 32, height: 32 })
  })
})

describe('guidance as the family uses it', () => {
  it('a family without CFG sends no negative prompt (none is recorded); a CFG family sends it', async () => {
    const store = await storeOf(schnell, wan)
    store.getState().selectModel('flux-schnell')
    store.getState().setForm({ negativePrompt: 'blurry' })
    expect(buildRequest(store.getState())).not.toHaveProperty('negativePrompt')
    store.getState().selectModel('wan21-tiny')
    store.getState().setForm({ negativePrompt: 'blurry' })
    expect(buildRequest(store.getState())).toMatchObject({ negativePrompt: 'blurry' })
  })
})

describe('a package that reads precomputed prompt embeddings (Qwen-Image without its text encoder)', () => {
  it('EXPECTED FAILURE - Generate stays off and says to use studio generate --prompt-embeds', async () => {
    const store = await storeOf(qwen)
    expect(whyCannotGenerate(store.getState())).toBe(
      'Needs precomputed prompt embeddings: studio generate --prompt-embeds'
    )
  })
})
