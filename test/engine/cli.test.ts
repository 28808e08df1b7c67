import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { studio } from '../cli-harness'
import { parseFlags } from '../../src/cli/flags'
import { GENERATE_OPTIONS, requestFromFlags } from '../../src/cli/generate-request'
import { readPngRecipe } from '../../src/main/engine/pipeline/png'
import { decode } from 'fast-png'
import { FIXTURES, fixture } from './fixtures'

const tmp = mkdtempSync(join(tmpdir(), 'cs-cli-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('studio CLI', () => {
  it('generate writes a PNG whose recipe regenerates the same pixels (--from)', async () => {
    const first = join(tmp, 'first.png')
    const a = await studio(
      'generate',
      '--models-dir',
      FIXTURES,
      '--model',
      'tiny-image',
      '--prompt',
      'a blue square',
      '--seed',
      '11',
      '--steps',
      '3',
      '--guidance',
      '2.5',
      '--provider',
      'cpu',
      '--out',
      first
    )
    expect(a.code).toBe(0)
    expect(a.out).toContain(`wrote ${first}`)
    expect(a.err.map((l) => l.split(' ')[1])).toEqual(['1/3', '2/3', '3/3']) // plain progress lines off a TTY
    const recipe = readPngRecipe(readFileSync(first))
    expect(recipe).toMatchObject({
      model: 'tiny-image',
      prompt: 'a blue square',
      seed: 11,
      steps: 3,
      guidanceScale: 2.5,
      separateCfg: true
    })

    const again = join(tmp, 'again.png')
    const b = await studio('generate', '--models-dir', FIXTURES, '--from', first, '--out', again)
    expect(b.code).toBe(0)
    expect(readPngRecipe(readFileSync(again))).toEqual(recipe)
    expect(
      Buffer.from(decode(readFileSync(again)).data).equals(Buffer.from(decode(readFileSync(first)).data))
    ).toBe(true)
  })

  it('generate flags map onto the request (CFG mode, cache preset and field flags)', async () => {
    const dirs = ['--models-dir', FIXTURES]
    const flags = (argv: string[]) =>
      requestFromFlags(parseFlags([...dirs, ...argv], GENERATE_OPTIONS).values)
    const { request } = await flags([
      '--model',
      'tiny-p5',
      '--prompt',
      'a',
      '--seed',
      '4',
      '--batched-cfg',
      '--cache',
      'F1B0',
      '--threshold',
      '0.2'
    ])
    expect(request).toMatchObject({
      model: fixture('tiny-p5'),
      seed: 4,
      separateCfg: false,
      provider: 'auto'
    })
    expect(request.cache).toEqual({ preset: 'F1B0', overrides: { residualDiffThreshold: 0.2 } })
    expect((await flags(['--model', 'tiny-p5', '--prompt', 'a', '--separate-cfg'])).request.separateCfg).toBe(
      true
    )
    expect((await flags(['--model', 'tiny-p5', '--prompt', 'a'])).request.separateCfg).toBeUndefined()
  })

  it('generate writes a video as a GIF and its frames into a folder', async () => {
    const v = await studio(
      'generate',
      '--model',
      fixture('tiny-video'),
      '--prompt',
      'a red circle moving right',
      '--seed',
      '2',
      '--steps',
      '2',
      '--out',
      join(tmp, 'vid')
    )
    expect(v.code).toBe(0)
    expect(v.out.filter((l) => l.startsWith('wrote')).map((l) => l.slice(l.lastIndexOf('/') + 1))).toEqual([
      'tiny-video-2-frame-000.png',
      'tiny-video-2-frame-001.png',
      'tiny-video-2-frame-002.png',
      'tiny-video-2-frame-003.png',
      'tiny-video-2.webm',
      'tiny-video-2-video.gif',
      'tiny-video-2.webm.json' // the cache trace and summary, for studio summary
    ])
  })

  it('BAD CALL - bad flags exit 2 with one line naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['generate', '--prompt', 'a', '--steps', 'many'],
        /^studio generate: --steps: expected an integer, got "many"$/
      ],
      [
        ['generate', '--prompt', 'a', '--seed=-1'],
        /^studio generate: --seed: must be between 0 and 4294967295, got -1$/
      ],
      [['generate', '--prompt', 'a', '--bogus'], /^studio generate: Unknown option '--bogus'/],
      [['generate', '--model', fixture('tiny-p3')], /^studio generate: --prompt is required$/],
      [
        ['generate', '--prompt', 'a', '--provider', 'tpu'],
        /^studio generate: --provider: unknown provider "tpu"/
      ],
      [['generate', '--prompt', 'a', '--separate-cfg', '--batched-cfg'], /contradict each other$/],
      [['generate', '--prompt', 'a', '--cache', 'F9'], /^studio generate: --cache: unknown preset "F9"/],
      [['frobnicate'], /^studio: unknown command "frobnicate"/]
    ]
    for (const [argv, message] of cases) {
      const r = await studio(...argv)
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.err).toHaveLength(1)
      expect(r.err[0]).toMatch(message)
    }
  })

  it('EXPECTED FAILURE - a broken model exits 1 with one line naming the file', async () => {
    const dir = join(tmp, 'broken')
    cpSync(fixture('tiny-p3'), dir, { recursive: true })
    writeFileSync(join(dir, 'transformer/blocks_01.onnx'), 'not onnx')
    const r = await studio('generate', '--model', dir, '--prompt', 'a', '--seed', '1')
    expect(r.code).toBe(1)
    expect(r.err).toEqual([
      expect.stringMatching(/^studio generate: transformer\/blocks_01\.onnx: truncated or corrupt/)
    ])
    const i = await studio('inspect', dir)
    expect(i.code).toBe(1)
    expect(i.err[0]).toMatch(/^studio inspect: transformer\/blocks_01\.onnx: /)
  })

  it('inspect lists blocks, patterns, parameters and files', async () => {
    const r = await studio('inspect', fixture('tiny-image'))
    expect(r.code).toBe(0)
    const text = r.out.join('\n')
    expect(text).toContain('tiny-image — Tiny image (FLUX-like)')
    expect(text).toMatch(/transformer_blocks: 3 blocks, Pattern_1, [\d.]+k params/)
    expect(text).toMatch(/files {5}12, \d+ KiB, sha256 verified/)
  })

  it('inspect counts the latent tokens of a call apart from the text tokens', async () => {
    // shapes-wan-tiny: 8 latent frames in temporal patches of 4, 4x4 spatial -> 32 tokens
    const r = await studio('inspect', 'shapes-wan-tiny')
    expect(r.code).toBe(0)
    expect(r.out.join('\n')).toContain('latent    [4, 8, 8, 8], 32 tokens per call, text 16 tokens')
  })
})
