import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EngineFailure } from '../../src/main/engine/errors'
import { LoadedModel } from '../../src/main/engine/model/loaded-model'
import { loadPackage } from '../../src/main/engine/model/package'
import { sha256 } from '../../src/main/engine/model/verify-files'
import { PromptTokenizer } from '../../src/main/engine/pipeline/tokenizer'
import { fixture } from './fixtures'

/**
 * A broken tokenizer.json is a model error that says what is wrong with the file: the field and
 * the problem, not the first character of the parser's message, and never a prompt error.
 */

const fixtureText = readFileSync(join(fixture('tiny-p3'), 'tokenizer.json'), 'utf8')
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at raw tokenizer JSON
const edited = (edit: (t: any) => void): string => {
  const t = JSON.parse(fixtureText)
  edit(t)
  return JSON.stringify(t)
}

function failure(make: () => unknown): EngineFailure {
  try {
    make()
  } catch (e) {
    expect(e).toBeInstanceOf(EngineFailure)
    return e as EngineFailure
  }
  throw new Error('it did not fail')
}

const tmp = mkdtempSync(join(tmpdir(), 'cs-tokenizer-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('tokenizer.json errors', () => {
  it('EXPECTED FAILURE - a wrong field is named with its problem (not "[" from the parser)', () => {
    const e = failure(() => new PromptTokenizer('{"model": 3}', 16))
    expect(e.code).toBe('model_invalid')
    expect(e.message).toBe(
      'tokenizer.json: not a tokenizer.json (model: Invalid input: expected object, received number)'
    )
  })

  it('EXPECTED FAILURE - a file that is not JSON says so with the parser message', () => {
    const e = failure(() => new PromptTokenizer('{"model": ', 16))
    expect(e.code).toBe('model_invalid')
    expect(e.message).toMatch(/^tokenizer\.json: not valid JSON \(.+\)$/)
  })

  it('EXPECTED FAILURE - an unknown model type is a model error naming tokenizer.json, at construction', () => {
    const json = edited((t) => {
      t.model.type = 'Bigram'
      t.model.unk_token = null
    })
    const e = failure(() => new PromptTokenizer(json, 16))
    expect(e.code).toBe('model_invalid')
    expect(e.message).toBe(
      'tokenizer.json: not a tokenizer.json (model.type: not a tokenizer model this studio reads (BPE, Unigram, WordLevel, WordPiece))'
    )
  })

  it('EXPECTED FAILURE - a package with an unknown tokenizer type fails to load as model_invalid, not at the prompt', async () => {
    const dir = join(tmp, 'tiny-p3')
    cpSync(fixture('tiny-p3'), dir, { recursive: true })
    const json = edited((t) => {
      t.model.type = 'Bigram'
      t.model.unk_token = null
    })
    writeFileSync(join(dir, 'tokenizer.json'), json)
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'))
    manifest.files['tokenizer.json'] = sha256(new TextEncoder().encode(json))
    writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest))
    const pkg = await loadPackage(dir)
    let error: unknown
    const model = await LoadedModel.load(pkg, { provider: 'cpu' }).catch((e: unknown) => {
      error = e
      return null
    })
    // Before the fix it loaded, and the first prompt with a word outside the vocabulary failed as bad_request.
    if (model) {
      const id = (() => {
        try {
          return model.tokenizer.encode('a zebra')
        } catch (e) {
          return e
        }
      })()
      await model.release()
      throw new Error(`it loaded (encode gave ${String(id)})`)
    }
    expect(error).toBeInstanceOf(EngineFailure)
    expect((error as EngineFailure).code).toBe('model_invalid')
    expect((error as EngineFailure).message).toMatch(
      /^tokenizer\.json: not a tokenizer\.json \(model\.type: /
    )
  })

  it('a word outside a vocabulary without an unk token is named, with the file', () => {
    const json = edited((t) => (t.model.unk_token = null))
    const noUnk = edited((t) => {
      t.model.unk_token = null
      t.added_tokens = t.added_tokens.filter((a: { content: string }) => a.content !== '[UNK]')
    })
    expect(new PromptTokenizer(json, 16).encode('a red').slice(0, 2)).toEqual([2, 17])
    const e = failure(() => new PromptTokenizer(noUnk, 16).encode('a zebra'))
    expect(e.code).toBe('bad_request')
    expect(e.message).toBe(
      `the prompt's word "zebra" is not in tokenizer.json's vocabulary, which has no unk token to stand for it`
    )
  })
})
