import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseFlags } from '../../src/cli/flags'
import { GENERATE_OPTIONS, requestFromFlags } from '../../src/cli/generate-request'
import { GENERATE_USAGE } from '../../src/cli/commands/generate'
import { importFolder } from '../../src/main/engine/import/importer'
import { readPngRecipe } from '../../src/main/engine/pipeline/png'
import { studio } from '../cli-harness'

/**
 * `studio generate --guidance-2 G` (Wan 2.2's low-noise expert's scale) and `--frames N` (a video
 * model's frame count): the flags map onto the request, the written frames' recipe keeps them so
 * `--from` makes the same video again, and a model they do not suit refuses them in one line.
 */
const FIXTURES = join(__dirname, '../fixtures/diffusers')
const tmp = mkdtempSync(join(tmpdir(), 'cli-wan-flags-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

// The recipe names the package by id: --from finds it in the models folder.
const models = join(tmp, 'models')
const inModels = ['--models-dir', models]
let wan22 = ''
let wan21 = ''
let flux = ''
beforeAll(async () => {
  wan22 = (await importFolder(join(FIXTURES, 'wan2.2-tiny/onnx-dynamo'), { modelsDir: models })).dir
  wan21 = (await importFolder(join(FIXTURES, 'wan2.1-tiny/onnx-dynamo'), { modelsDir: models })).dir
  flux = (await importFolder(join(FIXTURES, 'flux-tiny/onnx'), { modelsDir: models })).dir
})

const flags = (argv: string[]) => requestFromFlags(parseFlags(argv, GENERATE_OPTIONS).values)
const run = (width = 16, height = 16) => [
  '--prompt',
  'a cat',
  '--seed',
  '7',
  '--steps',
  '3',
  '--width',
  `${width}`,
  '--height',
  `${height}`
]
const small = run()

describe('studio generate --guidance-2 / --frames', () => {
  it('the help names both flags', () => {
    expect(GENERATE_USAGE).toMatch(/--guidance-2 G\s+Wan 2\.2: the low-noise expert's CFG scale/)
    expect(GENERATE_USAGE).toMatch(/--frames N\s+video frames/)
  })

  it('map onto guidanceScale2 and frames; left out, the request leaves them to the model', async () => {
    const { request } = await flags(['--model', wan22, ...small, '--guidance-2', '2.5', '--frames', '9'])
    expect(request).toMatchObject({ guidanceScale2: 2.5, frames: 9, width: 16, height: 16 })
    const bare = (await flags(['--model', wan22, ...small])).request
    expect(bare.guidanceScale2).toBeUndefined()
    expect(bare.frames).toBeUndefined()
  })

  it('a Wan 2.2 video with --guidance-2 records it in its frames; --from makes the same frames again', async () => {
    const out = join(tmp, 'g2')
    const r = await studio(
      'generate',
      '--model',
      wan22,
      ...small,
      '--guidance-2',
      '1.5',
      '--frames',
      '9',
      '--out',
      out
    )
    expect(r.code, r.err.join('\n')).toBe(0)
    const frames = readdirSync(out)
      .filter((f) => /frame-\d+\.png$/.test(f))
      .sort()
    expect(frames).toHaveLength(9)
    const first = join(out, frames[0])
    const recipe = readPngRecipe(readFileSync(first))
    expect(recipe).toMatchObject({ guidanceScale: 5, guidanceScale2: 1.5, frames: 9 })
    const { request } = await flags(['--from', first, ...inModels])
    expect(request).toMatchObject({ guidanceScale2: 1.5, frames: 9, seed: 7 })
    // A flag beside --from overrides the recipe's scale.
    expect((await flags(['--from', first, ...inModels, '--guidance-2', '4'])).request.guidanceScale2).toBe(4)

    const again = join(tmp, 'g2-again')
    expect((await studio('generate', '--from', first, ...inModels, '--out', again)).code).toBe(0)
    const twin = readdirSync(again)
      .filter((f) => /frame-\d+\.png$/.test(f))
      .sort()
    for (let i = 0; i < 9; i++)
      expect(readFileSync(join(again, twin[i])).equals(readFileSync(join(out, frames[i])))).toBe(true)
  })

  it('BAD CALL - a bad --guidance-2 or --frames exits 2 with one line naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--guidance-2', 'lots'], /^studio generate: --guidance-2: expected a number, got "lots"$/],
      [['--guidance-2', '51'], /^studio generate: --guidance-2: must be between 0 and 50, got 51$/],
      [['--frames', '0'], /^studio generate: --frames: must be between 1 and 4096, got 0$/],
      [['--frames', '2.5'], /^studio generate: --frames: expected an integer, got "2.5"$/]
    ]
    for (const [extra, message] of cases) {
      const r = await studio('generate', '--model', wan22, ...small, ...extra)
      expect(r.code, extra.join(' ')).toBe(2)
      expect(r.err).toHaveLength(1)
      expect(r.err[0]).toMatch(message)
    }
  })

  it('EXPECTED FAILURE - --guidance-2 on Wan 2.1 (one transformer) exits 1 in one line', async () => {
    const r = await studio('generate', '--model', wan21, ...run(64, 48), '--guidance-2', '3')
    expect(r.code).toBe(1)
    expect(r.err).toHaveLength(1)
    expect(r.err[0]).toMatch(
      /has one transformer; guidanceScale2 \(--guidance-2\) is only for models with two experts \(Wan 2\.2\)$/
    )
  })

  it('EXPECTED FAILURE - --frames its VAE graph cannot decode exits 1 in one line', async () => {
    // The dynamo export's VAE decoder graph takes 9 frames only.
    const r = await studio('generate', '--model', wan21, ...run(64, 48), '--frames', '13')
    expect(r.code).toBe(1)
    expect(r.err).toHaveLength(1)
    expect(r.err[0]).toMatch(/9 frames only/)
  })

  it('EXPECTED FAILURE - on an image family, --guidance-2 and --frames exit 1 in one line each', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--guidance-2', '3'],
        /has one transformer; guidanceScale2 \(--guidance-2\) is only for models with two experts/
      ],
      [['--frames', '5'], /makes still images; frames \(--frames\) is only for video models \(Wan\)$/]
    ]
    for (const [extra, message] of cases) {
      const r = await studio('generate', '--model', flux, ...run(32, 32), ...extra)
      expect(r.code, extra.join(' ')).toBe(1)
      expect(r.err).toHaveLength(1)
      expect(r.err[0]).toMatch(message)
    }
  })

  it('EXPECTED FAILURE - on an embedded model, --guidance-2 exits 1 in one line', async () => {
    const r = await studio(
      'generate',
      '--model',
      'shapes-flux-tiny',
      '--prompt',
      'a red circle',
      '--seed',
      '1',
      '--guidance-2',
      '3'
    )
    expect(r.code).toBe(1)
    expect(r.err).toEqual([
      expect.stringMatching(
        /shapes-flux-tiny has one transformer; guidanceScale2 \(--guidance-2\) is only for models with two experts/
      )
    ])
  })
})
