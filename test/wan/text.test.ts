import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FluxTokenizer } from '../../src/main/engine/pipeline/flux/tokenize'
import { cleanPrompt, tokenizeWan } from '../../src/main/engine/pipeline/wan/text'
import { readNpy } from '../import/npy'

const WAN = join(__dirname, '../fixtures/diffusers/wan2.1-tiny')
const tokenizer = new FluxTokenizer(
  readFileSync(join(WAN, 'onnx/tokenizer/tokenizer.json'), 'utf8'),
  readFileSync(join(WAN, 'onnx/tokenizer/tokenizer_config.json'), 'utf8'),
  'tokenizer.json'
)

describe("Wan's prompt tokens and mask (WanPipeline._get_t5_prompt_embeds)", () => {
  it("gives the golden's ids and attention mask for the prompt and the negative prompt", () => {
    const ids = readNpy(join(WAN, 'golden/pipeline_4steps/tokenizer.input_ids.npy')).data as BigInt64Array
    const mask = readNpy(join(WAN, 'golden/pipeline_4steps/tokenizer.attention_mask.npy'))
      .data as BigInt64Array
    const prompts = [
      'a cat sitting on a wooden table next to a cup of coffee',
      'bad quality, blurry, low resolution'
    ]
    prompts.forEach((p, row) => {
      const t = tokenizeWan(tokenizer, p, 16)
      expect([...t.ids]).toEqual([...ids.slice(row * 16, row * 16 + 16)])
      expect([...t.mask]).toEqual([...mask.slice(row * 16, row * 16 + 16)])
      expect(t.length).toBe(Number(mask.slice(row * 16, row * 16 + 16).reduce((a, b) => a + b, 0n)))
    })
  })

  it('a prompt longer than max_sequence_length keeps its </s> and masks every position', () => {
    const t = tokenizeWan(tokenizer, 'a cat '.repeat(20), 8)
    expect(t.length).toBe(8)
    expect(t.ids[7]).toBe(1n) // </s>
    expect([...t.mask]).toEqual(Array<bigint>(8).fill(1n))
  })

  it('an empty negative prompt is </s> alone', () => {
    const t = tokenizeWan(tokenizer, '', 4)
    expect([...t.ids]).toEqual([1n, 0n, 0n, 0n])
    expect(t.length).toBe(1)
  })

  it('prompt_clean: HTML entities unescaped (twice), whitespace runs collapsed and stripped', () => {
    expect(cleanPrompt('  a  cat\n\tand &amp;amp; a &#x1F431; &lt;b&gt;  ')).toBe('a cat and & a 🐱 <b>')
  })
})
