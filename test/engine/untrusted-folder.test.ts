import { execFileSync } from 'node:child_process'
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MANIFEST_LIMITS } from '../../src/shared/manifest'
import { readManifest } from '../../src/main/engine/model/manifest-file'
import { modelInfo } from '../../src/main/engine/model/model-info'
import { loadPackage } from '../../src/main/engine/model/package'
import { listModels } from '../../src/main/engine/model/registry'
import { assertRegularFile, readRegularFile } from '../../src/main/engine/model/safe-read'
import { studio } from '../cli-harness'
import { fixture } from './fixtures'
import { failureOf } from './failure-of'

/**
 * A model folder is untrusted input: FIFOs, devices and symlinks in it are refused with the file
 * named, at Add model (modelInfo) and at load, and nothing is read past a bound. Before the fix a
 * FIFO hung the read forever (these tests then time out) and a link to /dev/zero was read until
 * memory ran out.
 */

const posix = process.platform !== 'win32'
const copies: string[] = []
afterEach(() => {
  for (const d of copies.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cs-untrusted-'))
  copies.push(d)
  return d
}

function copyOf(name: string): string {
  const dir = join(tempDir(), name)
  cpSync(fixture(name), dir, { recursive: true })
  return dir
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path])
}

/** Replaces a file of the package by something else (the old content is kept beside the folder). */
function replace(dir: string, file: string, make: (path: string) => void): void {
  const path = join(dir, file)
  unlinkSync(path)
  make(path)
}

const load = (dir: string) => failureOf(loadPackage(dir))
const addModel = async (dir: string) => failureOf(modelInfo(dir, await readManifest(dir), false))

describe.runIf(posix)('a model folder with files that are not regular files', { timeout: 10_000 }, () => {
  it('EXPECTED FAILURE - a FIFO as a block graph is refused at Add model and at load, named', async () => {
    const dir = copyOf('tiny-p3')
    replace(dir, 'transformer/blocks_01.onnx', mkfifo)
    for (const e of [await addModel(dir), await load(dir)]) {
      expect(e.code).toBe('model_invalid')
      expect(e.message).toBe(
        'transformer/blocks_01.onnx: is a FIFO (named pipe); only regular files are read'
      )
    }
  })

  it('EXPECTED FAILURE - a FIFO as model.json is refused, and listing the folder does not hang', async () => {
    const dir = copyOf('tiny-p3')
    replace(dir, 'model.json', mkfifo)
    const e = await failureOf(readManifest(dir))
    expect(e.code).toBe('model_invalid')
    expect(e.message).toBe(`${join(dir, 'model.json')}: is a FIFO (named pipe); only regular files are read`)
    const listed = await listModels({ embedded: [], user: [dir] })
    expect(listed.models).toEqual([])
    expect(listed.problems).toEqual([e.message])
  })

  it('EXPECTED FAILURE - a symlink to /dev/zero as tokenizer.json is refused without reading it', async () => {
    const dir = copyOf('tiny-p3')
    replace(dir, 'tokenizer.json', (p) => symlinkSync('/dev/zero', p))
    for (const e of [await addModel(dir), await load(dir)]) {
      expect(e.code).toBe('model_invalid')
      expect(e.message).toBe('tokenizer.json: is a symbolic link; only regular files are read')
    }
  })

  it('EXPECTED FAILURE - a symlink to another file inside the folder is refused too', async () => {
    const dir = copyOf('tiny-p3')
    renameSync(join(dir, 'tokenizer.json'), join(dir, 'real-tokenizer.json'))
    symlinkSync('real-tokenizer.json', join(dir, 'tokenizer.json'))
    const e = await load(dir)
    expect(e.message).toBe('tokenizer.json: is a symbolic link; only regular files are read')
  })

  it('EXPECTED FAILURE - a symlink pointing out of the folder (an identical copy elsewhere) is refused', async () => {
    const dir = copyOf('tiny-p3')
    const outside = join(tempDir(), 'text_encoder.onnx')
    renameSync(join(dir, 'text_encoder.onnx'), outside)
    symlinkSync(outside, join(dir, 'text_encoder.onnx'))
    for (const e of [await addModel(dir), await load(dir)]) {
      expect(e.message).toBe('text_encoder.onnx: is a symbolic link; only regular files are read')
    }
  })

  it('EXPECTED FAILURE - a symlinked subfolder is refused, naming the file and the folder', async () => {
    const dir = copyOf('tiny-p3')
    const outside = join(tempDir(), 'elsewhere')
    renameSync(join(dir, 'transformer'), outside)
    symlinkSync(outside, join(dir, 'transformer'))
    for (const e of [await addModel(dir), await load(dir)]) {
      expect(e.code).toBe('model_invalid')
      expect(e.message).toBe(
        'transformer/embed.onnx: its folder transformer is a symbolic link; only real folders and regular files are read'
      )
    }
  })

  it('EXPECTED FAILURE - a symlinked model.json is refused by the CLI (inspect) with one line, exit 1', async () => {
    const dir = copyOf('tiny-p3')
    const outside = join(tempDir(), 'model.json')
    renameSync(join(dir, 'model.json'), outside)
    symlinkSync(outside, join(dir, 'model.json'))
    const r = await studio('inspect', dir)
    expect(r.code).not.toBe(0)
    expect(r.err.join('\n')).toContain(
      `${join(dir, 'model.json')}: is a symbolic link; only regular files are read`
    )
  })
})

describe.runIf(posix)('readRegularFile and assertRegularFile', () => {
  it('read a regular file whole, and refuse a FIFO at once instead of blocking', async () => {
    const d = tempDir()
    writeFileSync(join(d, 'a.bin'), Uint8Array.from([1, 2, 3]))
    expect([...(await readRegularFile(join(d, 'a.bin'), { maxBytes: 3 }))]).toEqual([1, 2, 3])
    expect(await assertRegularFile(join(d, 'a.bin'), { maxBytes: 3 })).toMatchObject({ size: 3 })
    mkfifo(join(d, 'pipe'))
    const e = await failureOf(readRegularFile(join(d, 'pipe'), { maxBytes: 10, label: 'pipe' }))
    expect(e.message).toBe('pipe: is a FIFO (named pipe); only regular files are read')
  })

  it('refuse a device and a file over the bound before reading a byte', async () => {
    const e = await failureOf(readRegularFile('/dev/null', { maxBytes: 10 }))
    expect(e.message).toBe('/dev/null: is a device; only regular files are read')
    const d = tempDir()
    writeFileSync(join(d, 'b.bin'), new Uint8Array(11))
    const big = await failureOf(readRegularFile(join(d, 'b.bin'), { maxBytes: 10, label: 'b.bin' }))
    expect(big.message).toBe('b.bin: 11 bytes, over the limit of 10 bytes (10 bytes) for this file')
  })

  it('refuse a path outside its root', async () => {
    const d = tempDir()
    const e = await failureOf(readRegularFile(join(d, '..', 'x'), { maxBytes: 1, root: d, label: 'x' }))
    expect(e.message).toBe(`x: not inside ${d}; refused`)
  })
})

function editManifest(dir: string, edit: (m: Raw) => void): void {
  const path = join(dir, 'model.json')
  const m = JSON.parse(readFileSync(path, 'utf8')) as Raw
  edit(m)
  writeFileSync(path, JSON.stringify(m))
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at raw manifest JSON
type Raw = any

describe('bounds on a model folder', () => {
  it.each([
    [
      'latent.height',
      (m: Raw) => (m.latent.height = 100_000),
      'latent.height: Too big: expected number to be <=65536'
    ],
    [
      'output.frames',
      (m: Raw) => (m.output.frames = 10_000),
      'output.frames: Too big: expected number to be <=4096'
    ],
    [
      'tokenizer.maxLength',
      (m: Raw) => (m.tokenizer.maxLength = 1e9),
      'tokenizer.maxLength: Too big: expected number to be <=16384'
    ],
    [
      'the number of blocks',
      (m: Raw) => {
        const list = m.transformers[0].blockLists[0]
        list.blocks = Array.from({ length: 1025 }, (_, i) => list.blocks[i % list.blocks.length])
      },
      'transformers.0.blockLists.0.blocks: Too big: expected array to have <=1024 items'
    ]
  ])('EXPECTED FAILURE - %s over its bound is refused naming the field', async (_, edit, problem) => {
    const dir = copyOf('tiny-p3')
    editManifest(dir, edit)
    const e = await load(dir)
    expect(e.code).toBe('model_invalid')
    expect(e.message).toContain(`${join(dir, 'model.json')}: ${problem}`)
  })

  it(`EXPECTED FAILURE - a model.json over ${MANIFEST_LIMITS.manifestBytes} bytes is refused before it is parsed`, async () => {
    const dir = copyOf('tiny-p3')
    const path = join(dir, 'model.json')
    // Valid JSON and a valid manifest, only padded: the refusal is by size, not by content.
    writeFileSync(path, readFileSync(path, 'utf8') + ' '.repeat(MANIFEST_LIMITS.manifestBytes))
    const e = await load(dir)
    expect(e.code).toBe('model_invalid')
    const size = readFileSync(path).length
    expect(e.message).toBe(`${path}: ${size} bytes, over the limit of 1048576 bytes (1.0 MiB) for this file`)
  })

  it('EXPECTED FAILURE - a tokenizer.json over its bound is refused by size, not read (sparse file)', async () => {
    const dir = copyOf('tiny-p3')
    truncateSync(join(dir, 'tokenizer.json'), MANIFEST_LIMITS.otherFileBytes + 1)
    const e = await load(dir)
    expect(e.code).toBe('model_invalid')
    expect(e.message).toBe(
      'tokenizer.json: 268435457 bytes, over the limit of 268435456 bytes (256.0 MiB) for this file'
    )
  })

  it('EXPECTED FAILURE - an ONNX file of 2 GiB or more is refused as one protobuf cannot hold (sparse file)', async () => {
    const dir = copyOf('tiny-p3')
    truncateSync(join(dir, 'transformer/final.onnx'), 2 ** 31)
    const e = await load(dir)
    expect(e.code).toBe('model_invalid')
    expect(e.message).toBe(
      'transformer/final.onnx: 2147483648 bytes, over the limit of 2147483647 bytes (2.0 GiB) for this file'
    )
  })
})
