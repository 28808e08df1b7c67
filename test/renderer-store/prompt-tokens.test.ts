import { describe, expect, it } from 'vitest'
import { promptTokenNote } from '../../src/renderer/src/store/slices/prompt-tokens'
import { FakeStudio, storeWith } from './fake-studio'

async function withPrompt(prompt: string, fake = new FakeStudio()) {
  const store = storeWith(fake)
  await store.getState().loadModels()
  store.getState().setForm({ prompt })
  await store.getState().countPromptTokens()
  return { store, fake }
}

describe('prompt token count', () => {
  it("shows the count against the model's limit, nothing to warn about within it", async () => {
    const { store, fake } = await withPrompt('a red circle at the center')
    expect(fake.called('countTokens')).toContainEqual(['tiny-image', 'a red circle at the center'])
    expect(promptTokenNote(store.getState())).toEqual({
      count: '6 / 16 tokens',
      over: false,
      warnings: [],
      kept: null
    })
  })

  it('warns when words are dropped and says what the model reads', async () => {
    const long = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ')
    const { store } = await withPrompt(long)
    const note = promptTokenNote(store.getState())
    expect(note?.count).toBe('20 / 16 tokens')
    expect(note?.over).toBe(true)
    expect(note?.warnings[0]).toBe(
      'Only the first 16 tokens reach the model: 4 tokens are dropped (“w16 w17 w18 w19”).'
    )
    expect(note?.kept).toBe(long.split(' ').slice(0, 16).join(' '))
  })

  it('names the words the tokenizer does not know', async () => {
    const fake = new FakeStudio()
    fake.countTokens = () => ({
      count: 3,
      maxLength: 16,
      kept: 'a [UNK] circle',
      dropped: '',
      unknown: ['crimson']
    })
    const { store } = await withPrompt('a crimson circle', fake)
    expect(promptTokenNote(store.getState())?.warnings).toEqual([
      "Unknown to this model's tokenizer, read as one unknown token: “crimson”."
    ])
  })

  it('shows no stale count once the prompt has changed, and a failure in one line', async () => {
    const { store, fake } = await withPrompt('a red circle')
    store.getState().setForm({ prompt: 'a red circle at the top' })
    expect(promptTokenNote(store.getState())).toBeNull()
    fake.countTokens = () => '/models/tiny-image/tokenizer.json: not a regular file'
    await store.getState().countPromptTokens()
    expect(store.getState().promptTokensError).toMatch(/tokenizer\.json: not a regular file/)
  })
})
