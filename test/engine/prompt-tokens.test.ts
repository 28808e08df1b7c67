import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importFolder } from '../../src/main/engine/import/importer'
import { fluxFolder } from '../import/helpers'
import { GenerateRequestSchema, MAX_PROMPT_CHARS } from '../../src/shared/generation'
import { countPromptTokens } from '../../src/main/engine/pipeline/prompt-tokens'
import { fixture, generate, loadFixture, request } from './fixtures'

/** The fixtures' tokenizer keeps 16 tokens of the caption grammar's words; other words are [UNK]. */
describe('prompt tokens', () => {
  it('counts a prompt against the model limit and says what was kept and dropped', async () => {
    const prompt =
      'a red circle at the top left on a blue background and a green square at the bottom right on white'
    const t = await countPromptTokens(fixture('tiny-image'), prompt)
    expect(t.count).toBe(21)
    expect(t.maxLength).toBe(16)
    expect(t.kept).toBe('a red circle at the top left on a blue background [UNK] a green square at')
    expect(t.dropped).toBe('the bottom right on white')
    expect(t.unknown).toEqual(['and'])
  })

  it('a prompt within the limit drops nothing', async () => {
    const t = await countPromptTokens(fixture('tiny-image'), 'a red circle')
    expect(t).toEqual({ count: 3, maxLength: 16, kept: 'a red circle', dropped: '', unknown: [] })
  })

  it('accepts long prompts (the tokenizer truncates) up to a generous bound', async () => {
    const long = 'a red circle at the center on a blue background '.repeat(200) // 9600 characters
    expect(long.length).toBeGreaterThan(2000)
    const model = await loadFixture('tiny-image')
    const result = await generate(model, request({ model: fixture('tiny-image'), prompt: long, steps: 1 }))
    expect(result.recipe.prompt).toBe(long)
    const tooLong = GenerateRequestSchema.safeParse({
      model: 'm',
      prompt: 'x'.repeat(MAX_PROMPT_CHARS + 1),
      seed: 1
    })
    expect(tooLong.success).toBe(false)
    expect(tooLong.error?.issues[0].message).toMatch(/at most 100,000 characters/)
  })
})

describe('prompt tokens of an imported FLUX package', () => {
  it("counts against T5's window (tokenizer_2), read from the source folder", async () => {
    const src = fluxFolder()
    const models = mkdtempSync(join(tmpdir(), 'flux-tokens-'))
    try {
      const r = await importFolder(src.dir, { modelsDir: models })
      const t5 = JSON.parse(readFileSync(join(r.dir, 'model.json'), 'utf8')).tokenizers.tokenizer_2
      const t = await countPromptTokens(r.dir, 'a red circle at the center on a blue background')
      expect(t.maxLength).toBe(t5.maxLength)
      expect(t.count).toBeGreaterThan(5)
      expect(t.dropped).toBe('')
    } finally {
      src.cleanup()
      rmSync(models, { recursive: true, force: true })
    }
  })
})
