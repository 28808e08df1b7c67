import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPngRecipe } from '../../src/main/engine/pipeline/png'
import { MAX_PROMPT_EMBEDS_BYTES } from '../../src/main/engine/pipeline/qwen-image/request-embeds'
import { studio } from '../cli-harness'
import { qwenFolderWithVae } from './generate-vae'

/**
 * `studio generate --prompt-embeds` on an imported Qwen-Image package: the fixture's transformer
 * with a synthetic VAE decoder, the fixture's saved prompt embeddings standing for the prompt.
 * The image is written with a recipe naming the embeddings file and its sha256; the same seed
 * gives the same PNG, a cache preset skips blocks; bad embeddings files, a missing flag, the flag
 * on a model that reads text, and a package without a VAE are refused in one line.
 */

const QWEN = join(__dirname, '../fixtures/diffusers/qwen-image-tiny')
const COND = join(QWEN, 'golden/transformer/input.encoder_hidden_states.npy')
const UNCOND = join(QWEN, 'golden/transformer/input_b2.encoder_hidden_states.npy')
const tmp = mkdtempSync(join(tmpdir(), 'qwen-generate-'))
const models = join(tmp, 'models')
let pkg = ''
let noVaePkg = ''

async function importOne(src: string, name: string): Promise<string> {
  const r = await studio('import', src, '--name', name, '--models', models)
  expect(r.code, r.err.join('\n')).toBe(0)
  return /\((.*)\)$/.exec(r.out[0])?.[1] ?? ''
}

const gen = (...args: string[]) =>
  studio('generate', '--model', pkg, '--seed', '7', '--steps', '4', '--provider', 'cpu', ...args)

beforeAll(async () => {
  pkg = await importOne(qwenFolderWithVae(join(QWEN, 'onnx'), join(tmp, 'src')), 'qwen with vae')
  const bare = join(tmp, 'bare')
  cpSync(join(QWEN, 'onnx'), bare, { recursive: true })
  noVaePkg = await importOne(bare, 'qwen without vae')
}, 120_000)
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('studio generate --prompt-embeds (Qwen-Image)', () => {
  it('writes a 128×96 PNG whose recipe names the embeddings and their sha256; the same seed gives the same PNG', async () => {
    const a = await gen('--prompt-embeds', COND, '--out', join(tmp, 'a.png'))
    expect(a.code, a.err.join('\n')).toBe(0)
    expect(a.out[0]).toMatch(/seed 7: 128×96, 4 steps .* cache none: 24\/24 blocks run/)
    const b = await gen('--prompt-embeds', COND, '--out', join(tmp, 'b.png'))
    expect(b.code).toBe(0)
    const png = readFileSync(join(tmp, 'a.png'))
    expect(Buffer.compare(png, readFileSync(join(tmp, 'b.png')))).toBe(0)
    const recipe = readPngRecipe(png)
    expect(recipe?.promptEmbeds).toEqual({
      file: 'input.encoder_hidden_states.npy',
      sha256: createHash('sha256').update(readFileSync(COND)).digest('hex')
    })
    expect(recipe?.negativePromptEmbeds).toBeUndefined()
    const other = await gen('--seed', '8', '--prompt-embeds', COND, '--out', join(tmp, 'c.png'))
    expect(other.code).toBe(0)
    expect(Buffer.compare(png, readFileSync(join(tmp, 'c.png')))).not.toBe(0)
  })

  it('true CFG with --negative-prompt-embeds and F1B0: cond and uncond calls, blocks skipped, both files in the recipe', async () => {
    const r = await gen(
      '--prompt-embeds',
      COND,
      '--negative-prompt-embeds',
      UNCOND,
      '--guidance',
      '4',
      '--steps',
      '8',
      '--cache',
      'F1B0',
      '--threshold',
      '100',
      '--warmup',
      '1',
      '--out',
      join(tmp, 'cfg.png')
    )
    expect(r.code, r.err.join('\n')).toBe(0)
    const m = /cache F1B0: (\d+)\/(\d+) blocks run/.exec(r.out[0])
    // 8 steps × 2 calls × 6 blocks, some of them skipped.
    expect(Number(m?.[2])).toBe(96)
    expect(Number(m?.[1])).toBeLessThan(96)
    const recipe = readPngRecipe(readFileSync(join(tmp, 'cfg.png')))
    expect(recipe?.separateCfg).toBe(true)
    expect(recipe?.negativePromptEmbeds?.file).toBe('input_b2.encoder_hidden_states.npy')
  })

  it('EXPECTED FAILURE - a missing, symlinked or oversized embeddings file is refused in one line', async () => {
    const missing = await gen('--prompt-embeds', join(tmp, 'nope.npy'))
    expect(missing.code).toBe(1)
    expect(missing.err).toEqual([expect.stringMatching(/^studio generate: .*nope\.npy: not found$/)])

    const link = join(tmp, 'link.npy')
    symlinkSync(COND, link)
    const linked = await gen('--prompt-embeds', link)
    expect(linked.code).toBe(1)
    expect(linked.err).toEqual([
      expect.stringMatching(/link\.npy: is a symbolic link; only regular files are read$/)
    ])

    const big = join(tmp, 'big.npy')
    writeFileSync(big, '')
    truncateSync(big, MAX_PROMPT_EMBEDS_BYTES + 1)
    const over = await gen('--prompt-embeds', big)
    expect(over.code).toBe(1)
    expect(over.err).toEqual([expect.stringMatching(/big\.npy: \d+ bytes, over the limit of \d+ bytes/)])
  })

  it('EXPECTED FAILURE - Qwen without --prompt-embeds, a package without VAE, and the flag on a model that reads text, each one line', async () => {
    const none = await gen('--prompt', 'a cat')
    expect(none.code).toBe(1)
    expect(none.err).toEqual([
      expect.stringMatching(/reads no prompt text .*studio generate --prompt-embeds FILE/)
    ])

    const bare = await studio('generate', '--model', noVaePkg, '--seed', '1', '--prompt-embeds', COND)
    expect(bare.code).toBe(1)
    expect(bare.err).toEqual([expect.stringMatching(/has no vae_decoder graph, so it cannot make images/)])

    const text = await studio('generate', '--prompt', 'a', '--seed', '1', '--prompt-embeds', COND)
    expect(text.code).toBe(1)
    expect(text.err).toEqual([
      expect.stringMatching(
        /reads the prompt text; --prompt-embeds is only for models without a text encoder graph/
      )
    ])
  })
})
