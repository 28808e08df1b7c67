import { assertFinite } from '../../cache/non-finite'
import { EngineFailure } from '../../errors'
import type { BeforeCall } from '../../model/block-program'
import type { Session } from '../../model/session'
import { tensor, type Tensor } from '../../tensor'
import type { FluxTokenizer } from '../flux/tokenize'

/**
 * WanPipeline's prompt encoding (`_get_t5_prompt_embeds`): the prompt cleaned (`prompt_clean`),
 * tokenized to max_sequence_length with padding and truncation, its attention mask (1 for the
 * prompt's tokens, 0 for padding), UMT5 run with ids and mask, and the states past the prompt's
 * length replaced by zeros. The transformer's cross-attention takes no mask, so those zeros are
 * what it attends to at the padded positions: the pad length matters and must be the pipeline's.
 */

export interface WanTokens {
  /** Exactly maxLength ids. */
  ids: BigInt64Array
  /** 1 for each of the prompt's tokens (its length), 0 for padding. */
  mask: BigInt64Array
  /** The prompt's token count after truncation (mask.sum()). */
  length: number
}

/**
 * The named references Python's html.unescape turns into characters that prompts plausibly hold;
 * numeric references are decoded in full. Other named references stay as typed.
 */
const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0'
}

function unescapeHtml(text: string): string {
  return text.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return '\ufffd'
      return String.fromCodePoint(code)
    }
    return NAMED[ref] ?? whole
  })
}

/**
 * prompt_clean: html.unescape twice and strip (basic_clean; ftfy, which diffusers also applies
 * when it is installed, is not), then whitespace runs collapsed to one space and stripped.
 */
export function cleanPrompt(prompt: string): string {
  const basic = unescapeHtml(unescapeHtml(prompt)).trim()
  return basic.replace(/\s+/g, ' ').trim()
}

/**
 * tokenizer(prompt, padding="max_length", max_length, truncation=True). The mask is the prompt's
 * own tokens: the padded ids without the trailing run of pad ids (the UMT5 post-processor ends
 * every prompt with </s>, never with the pad token).
 */
export function tokenizeWan(tokenizer: FluxTokenizer, prompt: string, maxLength: number): WanTokens {
  const ids = tokenizer.encode(cleanPrompt(prompt), maxLength)
  let length = ids.length
  while (length > 0 && ids[length - 1] === tokenizer.padId) length--
  const mask = new BigInt64Array(maxLength)
  for (let i = 0; i < length; i++) mask[i] = 1n
  return { ids: BigInt64Array.from(ids, (v) => BigInt(v)), mask, length }
}

/** UMT5's last_hidden_state for the tokens, zeroed past the prompt's length: [1, L, text_dim]. */
export async function encodeWan(
  encoder: Session,
  tokens: WanTokens,
  beforeCall: BeforeCall
): Promise<Tensor> {
  const L = tokens.ids.length
  const feeds: Record<string, { int64: BigInt64Array; dims: number[] }> = {}
  for (const name of encoder.inputNames) {
    if (name === 'input_ids') feeds[name] = { int64: tokens.ids, dims: [1, L] }
    else if (name === 'attention_mask') feeds[name] = { int64: tokens.mask, dims: [1, L] }
    else
      throw new EngineFailure(
        'model_invalid',
        `${encoder.label}: input "${name}" is neither input_ids nor attention_mask (a UMT5 encoder takes those)`
      )
  }
  for (const name of ['input_ids', 'attention_mask'])
    if (!(name in feeds))
      throw new EngineFailure(
        'model_invalid',
        `${encoder.label}: has no ${name} input (WanPipeline runs UMT5 with ids and attention mask)`
      )
  const output = encoder.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : null
  if (output === null)
    throw new EngineFailure(
      'model_invalid',
      `${encoder.label}: has no output "last_hidden_state" (it has ${encoder.outputNames.join(', ')})`
    )
  beforeCall()
  const out = (await encoder.run(feeds, [output]))[output]
  assertFinite(out, `${encoder.label}'s ${output}`)
  if (out.dims.length !== 3 || out.dims[0] !== 1 || out.dims[1] !== L)
    throw new EngineFailure(
      'model_invalid',
      `${encoder.label}: last_hidden_state is [${out.dims.join(', ')}], expected [1, ${L}, D]`
    )
  const D = out.dims[2]
  const data = Float32Array.from(out.data)
  data.fill(0, tokens.length * D)
  return tensor(data, out.dims)
}
