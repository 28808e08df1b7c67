import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { onnx } from '../../src/main/engine/model/onnx-graph'
import { readFloat } from './npy'

export const FLUX_TINY = fileURLToPath(new URL('../fixtures/diffusers/flux-tiny', import.meta.url))
export const GOLDEN = join(FLUX_TINY, 'golden/transformer')

/** A temporary copy of flux-tiny's onnx/ folder, with its transformer/ replaced by `transformer` if given. */
export function fluxFolder(transformer?: string): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'flux-import-'))
  const dir = join(root, 'flux')
  cpSync(join(FLUX_TINY, 'onnx'), dir, { recursive: true })
  if (transformer) {
    rmSync(join(dir, 'transformer'), { recursive: true })
    cpSync(join(FLUX_TINY, transformer), join(dir, 'transformer'), { recursive: true })
  }
  return { dir, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

export const golden = (name: string) => readFloat(join(GOLDEN, `${name}.npy`))

/** The golden transformer call's inputs under the imported embed graph's names. */
export function embedFeeds() {
  return {
    latent: golden('input.hidden_states'),
    text_hidden: golden('input.encoder_hidden_states'),
    text_pooled: golden('input.pooled_projections'),
    timestep: golden('input.timestep'),
    img_ids: golden('input.img_ids'),
    txt_ids: golden('input.txt_ids'),
    guidance: golden('input.guidance')
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity
  let d = 0
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]))
  return d
}

export function decodeFile(path: string) {
  return onnx.ModelProto.decode(readFileSync(path))
}

/** The golden block names in run order. */
export const BLOCKS = [
  'transformer_blocks.0',
  'transformer_blocks.1',
  'single_transformer_blocks.0',
  'single_transformer_blocks.1',
  'single_transformer_blocks.2',
  'single_transformer_blocks.3'
]
