import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodeModel } from '../../src/main/engine/model/onnx-graph'
import { Session, isOpaque, type Feed, type Fetched } from '../../src/main/engine/model/session'
import { parseNpy } from '../../src/main/engine/replay/npy'
import { tensor, type Tensor } from '../../src/main/engine/tensor'
import { cutPixArt } from './cut-transformer'

/**
 * Each cut graph of PixArt's transformer on golden/transformer's batch-2 call: the embed graph
 * from the engine-named inputs (the mask as float32), then each block alone from the previous
 * block's golden output, within 1e-5 of diffusers' block output; the final graph's velocity
 * within 1e-5 of the transformer's output.
 */

const FIXTURE = join(__dirname, '../fixtures/diffusers/pixart-sigma-tiny')
const GOLDEN = join(FIXTURE, 'golden/transformer')

function npy(name: string): Tensor {
  const a = parseNpy(readFileSync(join(GOLDEN, `${name}.npy`)), name)
  return a.kind === 'float32' ? tensor(a.data, a.shape) : tensor(Float32Array.from(a.data, Number), a.shape)
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.dims).toEqual(b.dims)
  let m = 0
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]))
  return m
}

function floatOf(v: Fetched | undefined, what: string): Tensor {
  if (!v || isOpaque(v)) throw new Error(`${what}: not a float32 output`)
  return v
}

for (const exportDir of ['onnx', 'onnx-dynamo']) {
  describe(`pixart-sigma-tiny/${exportDir}: every cut graph against golden/transformer`, () => {
    it('embed → each block → final within 1e-5', async () => {
      const cut = cutPixArt(join(FIXTURE, exportDir, 'transformer/model.onnx'))
      const embed = await Session.create(encodeModel(cut.graphs.embed), 'embed.onnx', 'cpu')
      const embedded = await embed.runMixed({
        latent: npy('input.hidden_states'),
        text_hidden: npy('input.encoder_hidden_states'),
        text_mask: npy('input.encoder_attention_mask'),
        timestep: npy('input.timestep')
      })
      await embed.release()
      const hidden0 = floatOf(embedded.hidden_states, 'embed hidden_states')
      expect(hidden0.dims).toEqual([2, 64, 24])
      let previous: Tensor = hidden0
      for (let k = 0; k < 6; k++) {
        const graph = cut.graphs.blocks[k]
        const block = await Session.create(encodeModel(graph), `block${k}.onnx`, 'cpu')
        const feeds: Record<string, Feed> = {}
        for (const name of block.inputNames) {
          const value = name === 'hidden_states' ? previous : embedded[name]
          if (!value) throw new Error(`block ${k}: no value for "${name}"`)
          feeds[name] = value
        }
        const out = await block.runMixed(feeds)
        await block.release()
        const want = npy(`block.transformer_blocks.${k}.hidden_states`)
        expect(maxAbsDiff(floatOf(out.hidden_states_out, `block ${k}`), want)).toBeLessThan(1e-5)
        // The next block starts from diffusers' own output: each block is checked alone.
        previous = want
      }
      const final = await Session.create(encodeModel(cut.graphs.final), 'final.onnx', 'cpu')
      const feeds: Record<string, Feed> = {}
      for (const name of final.inputNames) {
        const value = name === 'hidden_states' ? previous : embedded[name]
        if (!value) throw new Error(`final: no value for "${name}"`)
        feeds[name] = value
      }
      const out = await final.runMixed(feeds)
      await final.release()
      expect(maxAbsDiff(floatOf(out.velocity, 'final'), npy('output.out_hidden_states'))).toBeLessThan(1e-5)
    })
  })
}
