import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FluxTokenizer } from '../../src/main/engine/pipeline/flux/tokenize'
import {
  latentImageIds,
  latentSize,
  packLatents,
  textIds,
  unpackLatents
} from '../../src/main/engine/pipeline/flux/latents'
import { vaeScaleFactor } from '../../src/main/engine/pipeline/vae-decode'
import { parseNpy } from '../../src/main/engine/replay/npy'
import { tensor } from '../../src/main/engine/tensor'

const FLUX = join(__dirname, '../fixtures/diffusers/flux-tiny')
const GOLDEN = join(FLUX, 'golden/pipeline_4steps')
const npy = (name: string) => {
  const a = parseNpy(readFileSync(join(GOLDEN, `${name}.npy`)), name)
  return a
}
const floats = (name: string) => {
  const a = npy(name)
  if (a.kind !== 'float32') throw new Error(`${name} is not float`)
  return tensor(a.data, a.shape)
}
const ids = (name: string) => {
  const a = npy(name)
  if (a.kind !== 'int64') throw new Error(`${name} is not int64`)
  return Array.from(a.data, Number)
}
const tokenizer = (dir: string) =>
  new FluxTokenizer(
    readFileSync(join(FLUX, 'onnx', dir, 'tokenizer.json'), 'utf8'),
    readFileSync(join(FLUX, 'onnx', dir, 'tokenizer_config.json'), 'utf8'),
    `${dir}/tokenizer.json`
  )
const PROMPT = 'a red circle at the center on a blue background'

describe('FLUX latents as FluxPipeline lays them out', () => {
  it("packing diffusers' noise gives its packed latents; unpacking gives the noise back", () => {
    const noise = floats('initial_noise_unpacked')
    const packed = packLatents(noise)
    expect(packed.dims).toEqual([1, 64, 16])
    expect(Array.from(packed.data)).toEqual(Array.from(floats('initial_latents_packed').data))
    expect(Array.from(unpackLatents(packed, 16, 16).data)).toEqual(Array.from(noise.data))
  })

  it("image ids (0, row, column) and text ids (zeros) equal diffusers'", () => {
    expect(Array.from(latentImageIds(16, 16).data)).toEqual(Array.from(floats('latent_image_ids').data))
    expect(textIds(16).dims).toEqual([16, 3])
    expect(textIds(16).data.every((v) => v === 0)).toBe(true)
  })

  it('the latent size is 2·⌊size / (VAE scale · 2)⌋ (VAE scale 2^(blocks − 1))', () => {
    expect(vaeScaleFactor([128, 256, 512, 512])).toBe(8)
    expect(latentSize(1024, 768, 8)).toEqual({ h: 96, w: 128 })
    expect(latentSize(32, 32, 2)).toEqual({ h: 16, w: 16 })
  })
})

describe('FLUX tokenizers from tokenizer.json (transformers padding="max_length", truncation=True)', () => {
  it("CLIP pads to 77 with tokenizer_config's pad_token and T5 to 16 with <pad>: the golden's ids", () => {
    expect(tokenizer('tokenizer').encode(PROMPT, 77)).toEqual(ids('tokenizer.input_ids'))
    expect(tokenizer('tokenizer_2').encode(PROMPT, 16)).toEqual(ids('tokenizer_2.input_ids'))
  })

  it('truncation drops words from the end and keeps the special tokens', () => {
    const clip = tokenizer('tokenizer')
    const full = clip.encode(PROMPT, 77)
    const short = clip.encode(PROMPT, 6)
    expect(short).toEqual([...full.slice(0, 5), 580])
    const t5 = tokenizer('tokenizer_2')
    const t5Short = t5.encode(PROMPT, 4)
    expect(t5Short).toEqual([...ids('tokenizer_2.input_ids').slice(0, 3), 1])
  })

  it('a tokenizer_config without a pad token in the vocabulary is refused naming the file', () => {
    expect(
      () =>
        new FluxTokenizer(
          readFileSync(join(FLUX, 'onnx/tokenizer/tokenizer.json'), 'utf8'),
          JSON.stringify({ pad_token: '<nowhere>' }),
          'x/tokenizer/tokenizer.json'
        )
    ).toThrow(/x\/tokenizer\/tokenizer_config.json: no pad_token/)
  })
})
