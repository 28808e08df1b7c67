import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { onnx as Onnx } from 'onnx-proto'
import { describe, expect, it } from 'vitest'
import { cutTransformer, FLUX_GRAPH } from '../../src/main/engine/import/cut-transformer'
import { encodeModel, onnx } from '../../src/main/engine/model/onnx-graph'
import { Session, type Feed } from '../../src/main/engine/model/session'
import { BLOCKS, embedFeeds, FLUX_TINY, golden, maxAbsDiff } from './helpers'

const streamsJson = JSON.parse(readFileSync(join(FLUX_TINY, 'boundaries/streams.json'), 'utf8'))

const EXPORTS = [
  { name: 'torchscript', file: 'onnx/transformer/model.onnx', oracle: 'torchscript' },
  { name: 'dynamo', file: 'onnx-dynamo/transformer/model.onnx', oracle: 'dynamo' }
] as const

function cut(file: string) {
  const bytes = readFileSync(join(FLUX_TINY, file))
  return cutTransformer(bytes, onnx.ModelProto.decode(bytes), file, FLUX_GRAPH)
}

describe('the block partitioner on flux-tiny', () => {
  for (const x of EXPORTS) {
    it(`${x.name}: finds both lists, FLUX's Pattern_1 and the streams PyTorch says cross each boundary`, () => {
      const r = cut(x.file)
      expect(r.exporter).toBe(x.name)
      expect(r.lists.map((l) => [l.name, l.size, l.pattern])).toEqual([
        ['transformer_blocks', 2, 'Pattern_1'],
        ['single_transformer_blocks', 4, 'Pattern_1']
      ])
      const oracle = streamsJson[x.oracle].residual_streams
      expect(r.lists[0].streamsIn).toEqual({
        hidden: oracle['transformer_blocks.0'].in.hidden_states.tensor,
        encoder: oracle['transformer_blocks.0'].in.encoder_hidden_states.tensor
      })
      expect(r.lists[1].streamsIn).toEqual({
        hidden: oracle['single_transformer_blocks.0'].in.hidden_states.tensor,
        encoder: oracle['single_transformer_blocks.0'].in.encoder_hidden_states.tensor
      })
      // silu(temb) and the RoPE reshapes are made inside block 0 and read by every later block:
      // hoisted into the embed graph, they are context tensors.
      expect(r.hoisted.length).toBeGreaterThan(0)
      expect(r.contexts.length).toBeGreaterThanOrEqual(3)
      if (x.name === 'dynamo') expect(r.contexts.some((c) => c.type === 'INT64')).toBe(true)
    })

    it(`${x.name}: each cut block alone reproduces diffusers' block outputs within 1e-5`, async () => {
      const r = cut(x.file)
      const dir = join(FLUX_TINY, x.file, '..')
      const make = (m: Onnx.IModelProto, label: string) =>
        Session.create(encodeModel(m), label, 'cpu', { intraOpThreads: 1 }, dir)
      const embed = await make(r.graphs.embed, 'embed')
      const out = await embed.runMixed(embedFeeds())
      for (const [k, name] of BLOCKS.entries()) {
        const block = await make(r.graphs.blocks[k], name)
        const before = k === 0 ? null : BLOCKS[k - 1]
        const feeds: Record<string, Feed> = {
          hidden_states: before ? golden(`block.${before}.hidden_states`) : (out.hidden_states as Feed),
          encoder_hidden_states: before
            ? golden(`block.${before}.encoder_hidden_states`)
            : (out.encoder_hidden_states as Feed)
        }
        for (const n of block.inputNames) if (!(n in feeds)) feeds[n] = out[n]
        const got = await block.run(feeds)
        expect(
          maxAbsDiff(got.hidden_states_out.data, golden(`block.${name}.hidden_states`).data)
        ).toBeLessThan(1e-5)
        // The last block's encoder output is dead in the graph (the tail reads only the hidden stream).
        if (k < BLOCKS.length - 1)
          expect(
            maxAbsDiff(got.encoder_hidden_states_out.data, golden(`block.${name}.encoder_hidden_states`).data)
          ).toBeLessThan(1e-5)
        await block.release()
      }
      await embed.release()
    })
  }

  it('refuses a graph without module scopes, saying how to export one that works', () => {
    const bytes = readFileSync(join(FLUX_TINY, 'onnx/transformer/model.onnx'))
    const model = onnx.ModelProto.decode(bytes)
    model.graph!.node!.forEach((n, i) => (n.name = `fused_${i}`))
    const stripped = encodeModel(model)
    expect(() =>
      cutTransformer(stripped, onnx.ModelProto.decode(stripped), 'transformer/model.onnx', FLUX_GRAPH)
    ).toThrow(/transformer\/model\.onnx: the graph has no module scopes.*torch\.onnx\.export/)
  })
})

describe('cut graph interfaces', () => {
  it('declare the streams as [batch, ?, ?] float32 where the export has no value_info, so segments can fix the batch', () => {
    const r = cut('onnx/transformer/model.onnx')
    const block = r.graphs.blocks[1]
    const input = block.graph!.input!.find((v) => v.name === 'hidden_states')!
    expect(input.type?.tensorType?.elemType).toBe(1)
    expect(input.type?.tensorType?.shape?.dim?.map((d) => d.dimParam ?? null)).toEqual([
      'batch_size',
      null,
      null
    ])
    // img_ids [packed_height_width, 3] must not look batched: its first dim is left unnamed.
    const ids = r.graphs.embed.graph!.input!.find((v) => v.name === 'img_ids')!
    expect(ids.type?.tensorType?.shape?.dim?.[0]?.dimParam ?? null).toBeNull()
  })
})
