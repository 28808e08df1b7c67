import { describe, expect, it } from 'vitest'
import type { GenerateCall } from '../../src/shared/api'
import { GenerateRequestSchema } from '../../src/shared/generation'
import { requestFromRecipe } from '../../src/shared/recipe-request'
import { sameRecipeUncached, uncachedRequest } from '../../src/renderer/src/store/slices/compare'
import { buildRequest } from '../../src/renderer/src/store/slices/generation'
import { FakeStudio, fakeEntry, fakeModel, recipeOf, storeWith } from './fake-studio'

/** One way back from a stored recipe to a generate: the gallery's re-run and the compare's twin. */
const flux = fakeModel({ id: 'flux-tiny', embedded: false, sizes: { multipleOf: 4, max: 64 } })
const sized = {
  ...recipeOf({ model: 'flux-tiny', prompt: 'a cat', seed: 9, steps: 4, cache: { preset: 'F1B0' } }, flux),
  width: 48,
  height: 32
}

describe('a recipe back to a request', () => {
  it('is a valid request that makes the same output (size, cache config, provider)', () => {
    const request = GenerateRequestSchema.parse(requestFromRecipe(sized))
    expect(request).toMatchObject({ model: 'flux-tiny', seed: 9, steps: 4, width: 48, height: 32 })
    expect(request.cache).toEqual({ preset: 'F1B0', overrides: sized.cache })
    expect(request.provider).toBe('cpu')
  })

  it('EXPECTED FAILURE - a provider the contract does not name falls back to auto', () => {
    expect(requestFromRecipe({ ...sized, provider: 'tensorrt' }).provider).toBe('auto')
  })

  it("the compare's uncached twin keeps the recipe's size and turns the cache off", () => {
    expect(uncachedRequest(sized)).toMatchObject({
      width: 48,
      height: 32,
      cache: { preset: 'none', overrides: {} }
    })
    const other = { ...sized, width: 32, cache: { ...sized.cache, enabled: false } }
    expect(sameRecipeUncached(other, sized)).toBe(false)
    expect(sameRecipeUncached({ ...other, width: 48 }, sized)).toBe(true)
  })

  it("EXPECTED FAILURE - a run with another low-noise guidance or other prompt embeddings is not the compare's twin", () => {
    const twin = { ...sized, cache: { ...sized.cache, enabled: false } }
    expect(sameRecipeUncached({ ...twin, guidanceScale2: 2 }, { ...sized, guidanceScale2: 3 })).toBe(false)
    expect(sameRecipeUncached({ ...twin, guidanceScale2: 3 }, { ...sized, guidanceScale2: 3 })).toBe(true)
    const embeds = (hex: string) => ({ file: 'cond.npy', sha256: hex.repeat(64) })
    expect(
      sameRecipeUncached({ ...twin, promptEmbeds: embeds('a') }, { ...sized, promptEmbeds: embeds('b') })
    ).toBe(false)
  })

  it("the gallery's re-run puts the same request back in the form", async () => {
    const fake = new FakeStudio()
    fake.models = [fakeModel(), flux]
    const store = storeWith(fake)
    await store.getState().loadModels()
    store.getState().loadRecipe(sized)
    // The provider is the one the settings name now (the run happens on this machine).
    const { provider: _p, separateCfg: _s, cache, ...again } = requestFromRecipe(sized)
    expect(buildRequest(store.getState())).toMatchObject({ ...again, cache: { preset: cache?.preset } })
    fake.gallery = [fakeEntry('x', sized, 10)]
    await store.getState().generate()
    const sent = fake.called('generate')[0]?.[0] as GenerateCall | undefined
    expect(sent?.request).toMatchObject({ width: 48, height: 32, seed: 9 })
  })
})
