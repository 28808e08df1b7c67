import { assertFinite } from '../../cache/non-finite'
import { EngineFailure } from '../../errors'
import type { BeforeCall } from '../../model/block-program'
import type { Session } from '../../model/session'
import { tensor, type Tensor } from '../../tensor'
import type { FluxTokenizer } from '../flux/tokenize'

/**
 * PixArtSigmaPipeline's prompt encoding (encode_prompt): the prompt preprocessed, tokenized to
 * max_sequence_length with padding and truncation, its attention mask (1 for the prompt's tokens,
 * 0 for padding), T5 run with ids and mask. The mask goes on to the transformer as
 * encoder_attention_mask, so the padded states are never attended to.
 */

export interface PixArtTokens {
  /** Exactly maxLength ids. */
  ids: BigInt64Array
  /** 1 for each of the prompt's tokens, 0 for padding. */
  mask: BigInt64Array
}

export interface PixArtText {
  /** T5's last_hidden_state [1, L, caption_channels]. */
  states: Tensor
  mask: BigInt64Array
}

/**
 * _text_preprocessing: with clean_caption (the default) diffusers needs beautifulsoup4 and ftfy
 * and, where they are missing, falls back to `text.lower().strip()`; the fixtures' golden was made
 * that way, and so does the studio (the full caption cleaner is not implemented).
 */
export function preprocessPrompt(prompt: string): string {
  return prompt.toLowerCase().trim()
}

/**
 * tokenizer(text, padding="max_length", max_length, truncation=True). The mask is the prompt's
 * own tokens: the ids without the trailing run of pad ids (T5's post-processor ends every prompt
 * with </s>, never with the pad token).
 */
export function tokenizePixArt(tokenizer: FluxTokenizer, prompt: string, maxLength: number): PixArtTokens {
  const ids = tokenizer.encode(preprocessPrompt(prompt), maxLength)
  let length = ids.length
  while (length > 0 && ids[length - 1] === tokenizer.padId) length--
  const mask = new BigInt64Array(maxLength)
  for (let i = 0; i < length; i++) mask[i] = 1n
  return { ids: BigInt64Array.from(ids, (v) => BigInt(v)), mask }
}

/** text_encoder(ids, attention_mask=mask)[0]: [1, L, D]. */
export async function encodePixArt(
  encoder: Session,
  tokens: PixArtTokens,
  beforeCall: BeforeCall
): Promise<PixArtText> {
  const L = tokens.ids.length
  const feeds: Record<string, { int64: BigInt64Array; dims: number[] }> = {}
  for (const name of encoder.inputNames) {
    if (name === 'input_ids') feeds[name] = { int64: tokens.ids, dims: [1, L] }
    else if (name === 'attention_mask') feeds[name] = { int64: tokens.mask, dims: [1, L] }
    else
      throw new EngineFailure(
        'model_invalid',
        `${encoder.label}: input "${name}" is neither input_ids nor attention_mask (a T5 encoder takes those)`
      )
  }
  for (const name of ['input_ids', 'attention_mask'])
    if (!(name in feeds))
      throw new EngineFailure(
        'model_invalid',
        `${encoder.label}: has no ${name} input (PixArtSigmaPipeline runs T5 with ids and attention mask)`
      )
  if (!encoder.outputNames.includes('last_hidden_state'))
    throw new EngineFailure(
      'model_invalid',
      `${encoder.label}: has no output "last_hidden_state" (it has ${encoder.outputNames.join(', ')})`
    )
  beforeCall()
  const out = (await encoder.run(feeds, ['last_hidden_state'])).last_hidden_state
  assertFinite(out, `${encoder.label}'s last_hidden_state`)
  if (out.dims.length !== 3 || out.dims[0] !== 1 || out.dims[1] !== L)
    throw new EngineFailure(
      'model_invalid',
      `${encoder.label}: last_hidden_state is [${out.dims.join(', ')}], expected [1, ${L}, D]`
    )
  return { states: tensor(out.data, out.dims), mask: tokens.mask }
}
