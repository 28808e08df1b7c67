import { EngineFailure } from '../errors'
import type { BeforeCall } from '../model/block-program'
import type { Session } from '../model/session'
import type { Tensor } from '../tensor'
import type { FluxTokenizer } from './flux/tokenize'
import { encoderOutput } from './text-encoder'

/**
 * What PixArt-Σ's T5 and Wan's UMT5 prompt encodings share: the prompt tokenized to
 * max_sequence_length with padding and truncation, its attention mask (1 for the prompt's own
 * tokens, 0 for padding), and the encoder run with ids and mask for its last_hidden_state
 * [1, L, D]. Each family cleans the prompt its own way before, and uses the states its own way
 * after (PixArt passes the mask on to the transformer, Wan zeroes the padded states).
 */

export interface MaskedTokens {
  /** Exactly maxLength ids. */
  ids: BigInt64Array
  /** 1 for each of the prompt's tokens (its length), 0 for padding. */
  mask: BigInt64Array
  /** The prompt's token count after truncation (mask.sum()). */
  length: number
}

/**
 * tokenizer(text, padding="max_length", max_length, truncation=True). The mask is the prompt's
 * own tokens: the padded ids without the trailing run of pad ids (the T5 and UMT5 post-processors
 * end every prompt with </s>, never with the pad token).
 */
export function tokenizeMasked(tokenizer: FluxTokenizer, text: string, maxLength: number): MaskedTokens {
  const ids = tokenizer.encode(text, maxLength)
  let length = ids.length
  while (length > 0 && ids[length - 1] === tokenizer.padId) length--
  const mask = new BigInt64Array(maxLength)
  for (let i = 0; i < length; i++) mask[i] = 1n
  return { ids: BigInt64Array.from(ids, (v) => BigInt(v)), mask, length }
}

/** Who runs the encoder, for the refusals: 'T5' and 'PixArtSigmaPipeline', 'UMT5' and 'WanPipeline'. */
export interface MaskedEncoderNames {
  encoder: string
  pipeline: string
}

/**
 * text_encoder(ids, attention_mask=mask).last_hidden_state, checked finite and [1, L, D]. An
 * encoder with other inputs, without ids or mask, or without that output is refused by name.
 */
export async function runMaskedEncoder(
  encoder: Session,
  tokens: { ids: BigInt64Array; mask: BigInt64Array },
  beforeCall: BeforeCall,
  names: MaskedEncoderNames
): Promise<Tensor> {
  const L = tokens.ids.length
  const feeds: Record<string, { int64: BigInt64Array; dims: number[] }> = {}
  for (const name of encoder.inputNames) {
    if (name === 'input_ids') feeds[name] = { int64: tokens.ids, dims: [1, L] }
    else if (name === 'attention_mask') feeds[name] = { int64: tokens.mask, dims: [1, L] }
    else
      throw new EngineFailure(
        'model_invalid',
        `${encoder.label}: input "${name}" is neither input_ids nor attention_mask (a ${names.encoder} encoder takes those)`
      )
  }
  for (const name of ['input_ids', 'attention_mask'])
    if (!(name in feeds))
      throw new EngineFailure(
        'model_invalid',
        `${encoder.label}: has no ${name} input (${names.pipeline} runs ${names.encoder} with ids and attention mask)`
      )
  const out = await encoderOutput(encoder, feeds, 'last_hidden_state', beforeCall)
  if (out.dims.length !== 3 || out.dims[0] !== 1 || out.dims[1] !== L)
    throw new EngineFailure(
      'model_invalid',
      `${encoder.label}: last_hidden_state is [${out.dims.join(', ')}], expected [1, ${L}, D]`
    )
  return out
}
