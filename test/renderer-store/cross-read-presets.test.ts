import { describe, expect, it } from 'vitest'
import {
  blockBudgetProblem,
  DEFAULT_CACHE_DRAFT,
  parseCacheDraft
} from '../../src/renderer/src/store/cache-form'
import { whyCannotGenerate } from '../../src/renderer/src/store/slices/generation'
import { resolveCacheConfig } from '../../src/shared/presets'
import { FakeStudio, fakeModel, storeWith } from './fake-studio'

/**
 * The app's picker on an imported model whose single_transformer_blocks.3 reads what
 * single_transformer_blocks.0 made (shared/cross-block-reads.ts): the preset that parts them is
 * refused before main is called, in the words of the "does not fit" refusal.
 */

const model = fakeModel({
  transformers: [
    {
      name: 'transformer',
      timestepRange: [0, 1],
      blockLists: [
        { name: 'transformer_blocks', pattern: 'Pattern_1', blocks: 2 },
        { name: 'single_transformer_blocks', pattern: 'Pattern_1', blocks: 4 }
      ],
      crossBlockReads: [{ tensor: 'x', list: 'single_transformer_blocks', from: 0, to: 3 }]
    }
  ]
})

const SKIPS =
  'in transformer/transformer_blocks+single_transformer_blocks, block 5 (single_transformer_blocks.3) reads "x" made in block 2 (single_transformer_blocks.0), which this config skips on cached steps'

describe('presets on a model with a cross-block read', () => {
  it('a custom F1B1 gets the refusal under Bn, naming the tensor and both blocks; F1B0 and no cache run', async () => {
    const { overrides, errors } = parseCacheDraft({ ...DEFAULT_CACHE_DRAFT, Fn: '1', Bn: '1' }, model)
    expect(overrides).toBeNull()
    expect(errors).toEqual({ Bn: SKIPS })
    const fake = new FakeStudio()
    fake.models = [model]
    const store = storeWith(fake)
    await store.getState().loadModels()
    store.getState().setPreset('F1B0')
    expect(whyCannotGenerate(store.getState())).toBeNull()
    store.getState().setPreset('none')
    expect(whyCannotGenerate(store.getState())).toBeNull()
  })

  it("a named preset that parts them does not fit the model, in the picker's words", async () => {
    const deep = fakeModel({
      transformers: [
        {
          name: 'transformer',
          timestepRange: [0, 1],
          blockLists: [{ name: 'blocks', pattern: 'Pattern_1', blocks: 20 }],
          crossBlockReads: [{ tensor: 'y', list: 'blocks', from: 2, to: 10 }]
        }
      ]
    })
    const fake = new FakeStudio()
    fake.models = [deep]
    const store = storeWith(fake)
    await store.getState().loadModels()
    store.getState().setPreset('F8B8-taylorseer')
    expect(whyCannotGenerate(store.getState())).toMatch(
      /^.+ does not fit this model: in transformer\/blocks, block 10 \(blocks\.10\) reads "y" made in block 2 \(blocks\.2\), which this config runs in another compiled range \(blocks \[0, 8\), the reader \[8, 12\)\)/
    )
    store.getState().setPreset('F1B0')
    expect(whyCannotGenerate(store.getState())).toBeNull()
  })

  it('merged lists keep F1B0 in the middle; with the lists kept apart it parts them and is refused', () => {
    const f1b0 = resolveCacheConfig('F1B0')
    expect(blockBudgetProblem(f1b0, model)).toBeNull()
    expect(blockBudgetProblem({ ...f1b0, mergeBlockLists: false }, model)).toBe(
      'in transformer/single_transformer_blocks, block 3 (single_transformer_blocks.3) reads "x" made in block 0 (single_transformer_blocks.0), which this config runs in another compiled range (blocks [0, 1), the reader [1, 4)): a range cannot hand it to another'
    )
  })
})
