import { describe, expect, it } from 'vitest'
import { LoadedModel } from '../../src/main/engine/model/loaded-model'
import { loadPackage } from '../../src/main/engine/model/package'
import { availableProviders, providerCandidates } from '../../src/main/engine/model/providers'
import { fixture } from './fixtures'

describe('execution providers', () => {
  it('cpu is always available; auto tries the best available first and ends with cpu', () => {
    const available = availableProviders()
    expect(available).toContain('cpu')
    expect(providerCandidates('auto', ['cuda', 'cpu'])).toEqual(['cuda', 'cpu'])
    expect(providerCandidates('cpu', available)).toEqual(['cpu'])
  })

  it('EXPECTED FAILURE - a provider this machine lacks is refused with the available ones named', () => {
    expect(() => providerCandidates('coreml', ['cpu'])).toThrow(
      'execution provider "coreml" is not available here (available: cpu)'
    )
  })

  it('auto reports the provider that actually ran', async () => {
    const model = await LoadedModel.load(await loadPackage(fixture('tiny-p3')), { provider: 'auto' })
    expect(availableProviders()).toContain(model.provider)
    await model.release()
  })
})
