import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { onnx as Onnx } from 'onnx-proto'
import { describe, expect, it } from 'vitest'
import { cutTransformer } from '../../src/main/engine/import/cut-transformer'
import {
  FLUX_GRAPH,
  PIXART_GRAPH,
  QWEN_IMAGE_GRAPH,
  SD3_GRAPH,
  WAN_GRAPH
} from '../../src/main/engine/import/families/graph-specs'
import type { FamilyCutSpec } from '../../src/main/engine/import/boundaries'
import { encodeModel, onnx } from '../../src/main/engine/model/onnx-graph'
import { Session, type Feed } from '../../src/main/engine/model/session'
import { maxAbsDiff } from './helpers'
import { readNpy } from './npy'

/**
 * Every family's transformer, both exporters, cut by the partitioner: each block graph alone, fed
 * diffusers' own output of the block before it, reproduces diffusers' output of that block
 * (golden/transformer) within 1e-5, and the tail gives the transformer's output. The text states
 * of the cross-attention families (Wan, PixArt) come from the embed graph, as they do in the engine.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/diffusers', import.meta.url))

interface Case {
  family: string
  spec: FamilyCutSpec
  transformers: string[]
  /** [list name, blocks, pattern] as CacheDiT's adapter for the family has them. */
  lists: [string, number, string][]
}

const CASES: Case[] = [
  {
    family: 'flux-tiny',
    spec: FLUX_GRAPH,
    transformers: ['transformer'],
    lists: [
      ['transformer_blocks', 2, 'Pattern_1'],
      ['single_transformer_blocks', 4, 'Pattern_1']
    ]
  },
  {
    family: 'wan2.1-tiny',
    spec: WAN_GRAPH,
    transformers: ['transformer'],
    lists: [['blocks', 6, 'Pattern_2']]
  },
  {
    family: 'wan2.2-tiny',
    spec: WAN_GRAPH,
    transformers: ['transformer', 'transformer_2'],
    lists: [['blocks', 6, 'Pattern_2']]
  },
  {
    family: 'sd3-tiny',
    spec: SD3_GRAPH,
    transformers: ['transformer'],
    lists: [['transformer_blocks', 6, 'Pattern_1']]
  },
  {
    family: 'qwen-image-tiny',
    spec: QWEN_IMAGE_GRAPH,
    transformers: ['transformer'],
    lists: [['transformer_blocks', 6, 'Pattern_1']]
  },
  {
    family: 'pixart-sigma-tiny',
    spec: PIXART_GRAPH,
    transformers: ['transformer'],
    lists: [['transformer_blocks', 6, 'Pattern_3']]
  }
]

const EXPORTS = [
  { name: 'torchscript', dir: 'onnx' },
  { name: 'dynamo', dir: 'onnx-dynamo' }
] as const

/** A golden tensor as a feed: int64 as int64, everything else float32. */
function npyFeed(path: string): Feed {
  const x = readNpy(path)
  return x.data instanceof BigInt64Array ? { int64: x.data, dims: x.shape } : { data: x.data, dims: x.shape }
}

/** An int64 golden (a text mask) as the engine feeds it: float32. */
function asFloat(feed: Feed): Feed {
  if (!('int64' in feed)) return feed
  return { data: Float32Array.from(feed.int64, (v) => Number(v)), dims: feed.dims }
}

describe('the partitioner on every family of the diffusers fixtures', () => {
  for (const c of CASES)
    for (const x of EXPORTS)
      for (const t of c.transformers) {
        const file = join(FIXTURES, c.family, x.dir, t, 'model.onnx')
        const goldenDir = join(FIXTURES, c.family, 'golden', t)
        const golden = (name: string) => npyFeed(join(goldenDir, `${name}.npy`))
        const label = `${c.family} ${x.name} ${t}`

        it(`${label}: finds CacheDiT's block lists and patterns`, () => {
          const bytes = readFileSync(file)
          const r = cutTransformer(bytes, onnx.ModelProto.decode(bytes), file, c.spec)
          expect(r.exporter).toBe(x.name)
          expect(r.lists.map((l) => [l.name, l.size, l.pattern])).toEqual(c.lists)
          if (c.spec.encoderStream === 'context') expect(r.lists[0].streamsIn.encoder).toBeNull()
          else expect(r.lists[0].streamsIn.encoder).not.toBeNull()
          // FLUX's, SD3's (context_pre_only) and Qwen's last blocks return no encoder stream that
          // anything reads: the list keeps its Pattern_1 and the analysis says so for that block.
          const last = `${c.lists.at(-1)?.[0]}.${(c.lists.at(-1)?.[1] ?? 0) - 1}`
          const says = r.notes.some((n) => n.startsWith(`${last}: its encoder output is read by nothing`))
          expect(says).toBe((c.spec.encoderStream ?? 'residual') === 'residual')
        })

        it(`${label}: each cut block alone reproduces diffusers' block outputs within 1e-5`, async () => {
          const bytes = readFileSync(file)
          const r = cutTransformer(bytes, onnx.ModelProto.decode(bytes), file, c.spec)
          const make = (m: Onnx.IModelProto, name: string) =>
            Session.create(encodeModel(m), name, 'cpu', { intraOpThreads: 1 }, join(file, '..'))
          const embed = await make(r.graphs.embed, 'embed')
          const feeds: Record<string, Feed> = {}
          for (const n of embed.inputNames) {
            const original = c.spec.inputNames[n] ?? n
            const g = golden(`input.${original}`)
            feeds[n] = original !== n ? asFloat(g) : g
          }
          const out = await embed.runMixed(feeds)
          const blocks = r.lists.flatMap((l) => [...Array(l.size).keys()].map((k) => `${l.name}.${k}`))
          const has = (name: string) => existsSync(join(goldenDir, `${name}.npy`))
          let checked = 0
          for (const [k, name] of blocks.entries()) {
            const block = await make(r.graphs.blocks[k], name)
            const before = k === 0 ? null : blocks[k - 1]
            const residualEncoder = (c.spec.encoderStream ?? 'residual') === 'residual'
            const blockFeeds: Record<string, Feed> = {
              hidden_states: before ? golden(`block.${before}.hidden_states`) : (out.hidden_states as Feed)
            }
            if (block.inputNames.includes('encoder_hidden_states'))
              blockFeeds.encoder_hidden_states =
                before && residualEncoder
                  ? golden(`block.${before}.encoder_hidden_states`)
                  : (out.encoder_hidden_states as Feed)
            for (const n of block.inputNames) if (!(n in blockFeeds)) blockFeeds[n] = out[n] as Feed
            const got = await block.run(blockFeeds)
            const want = golden(`block.${name}.hidden_states`) as { data: Float32Array }
            expect(maxAbsDiff(got.hidden_states_out.data, want.data), `${name} hidden`).toBeLessThan(1e-5)
            checked++
            // The last block's encoder output is dead in the graph (SD3, Qwen, FLUX: the tail reads only
            // the hidden stream); the cut block returns its input there, which the golden does not hold.
            if (
              got.encoder_hidden_states_out &&
              k < blocks.length - 1 &&
              has(`block.${name}.encoder_hidden_states`)
            ) {
              const e = golden(`block.${name}.encoder_hidden_states`) as { data: Float32Array }
              expect(maxAbsDiff(got.encoder_hidden_states_out.data, e.data), `${name} encoder`).toBeLessThan(
                1e-5
              )
            }
            await block.release()
          }
          expect(checked).toBe(blocks.length)
          const final = await make(r.graphs.final, 'final')
          const finalFeeds: Record<string, Feed> = {
            hidden_states: golden(`block.${blocks.at(-1)}.hidden_states`)
          }
          for (const n of final.inputNames) if (!(n in finalFeeds)) finalFeeds[n] = out[n] as Feed
          const v = await final.run(finalFeeds)
          const y = golden('output.out_hidden_states') as { data: Float32Array }
          expect(maxAbsDiff(v.velocity.data, y.data)).toBeLessThan(1e-4)
          await final.release()
          await embed.release()
        })
      }
})
