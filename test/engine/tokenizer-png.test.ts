import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { decode, encode } from 'fast-png'
import { describe, expect, it } from 'vitest'
import { encodePng, PARAMETERS_KEY, readPngRecipe } from '../../src/main/engine/pipeline/png'
import { PromptTokenizer } from '../../src/main/engine/pipeline/tokenizer'
import { resolveCacheConfig } from '../../src/shared/presets'
import type { Recipe } from '../../src/shared/generation'
import { fixture } from './fixtures'

const tokenizer = () =>
  new PromptTokenizer(readFileSync(join(fixture('tiny-image'), 'tokenizer.json'), 'utf8'), 16)

describe('PromptTokenizer (WordLevel tokenizer.json through @huggingface/tokenizers)', () => {
  it('lowercases, splits on whitespace and punctuation, pads right to maxLength', () => {
    expect(tokenizer().encode('A Red circle')).toEqual([2, 17, 9, ...Array(13).fill(0)])
  })

  it('maps unknown words and punctuation to [UNK] (the library leaves them undefined)', () => {
    expect(tokenizer().encode('a zebra, red!').slice(0, 5)).toEqual([2, 1, 1, 17, 1])
  })

  it('truncates to maxLength and encodes the empty prompt as all padding', () => {
    const t = tokenizer()
    expect(t.encode('a '.repeat(40))).toEqual(Array(16).fill(2))
    expect(t.encode('')).toEqual(Array(16).fill(0))
  })

  it('EXPECTED FAILURE - a file that is not a tokenizer.json', () => {
    expect(() => new PromptTokenizer('{"hello": 1}', 16)).toThrow(/^tokenizer\.json: not a tokenizer\.json/)
  })
})

describe('PNG with the recipe', () => {
  const recipe: Recipe = {
    model: 'tiny-image',
    modelName: 'Tiny',
    prompt: 'un cercle rouge — 赤い円',
    negativePrompt: 'blurry',
    seed: 12,
    steps: 4,
    guidanceScale: 3.5,
    separateCfg: true,
    preset: 'F1B0',
    cache: resolveCacheConfig('F1B0'),
    provider: 'cpu',
    engineVersion: '0.1.0'
  }

  it('round-trips the recipe exactly, non-Latin-1 prompt included', () => {
    const rgba = new Uint8Array(2 * 3 * 4).fill(200)
    const png = encodePng(2, 3, rgba, recipe)
    expect(readPngRecipe(png)).toEqual(recipe)
    const decoded = decode(png)
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([2, 3, 4])
    expect(decoded.text[PARAMETERS_KEY]).toContain(
      'Steps: 4, CFG scale: 3.5, Seed: 12, Model: tiny-image, Cache: F1B0'
    )
  })

  it('reads null from a PNG without a recipe', () => {
    expect(readPngRecipe(encodePngWithout())).toBeNull()
  })
})

function encodePngWithout(): Uint8Array {
  return encode({ width: 1, height: 1, data: new Uint8Array(4), channels: 4 })
}
