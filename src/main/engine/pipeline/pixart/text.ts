import type { BeforeCall } from '../../model/block-program'
import type { Session } from '../../model/session'
import { tensor, type Tensor } from '../../tensor'
import type { FluxTokenizer } from '../flux/tokenize'
import { runMaskedEncoder, tokenizeMasked } from '../masked-text-encoder'

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

/** tokenizer(preprocessed text, padding="max_length", max_length, truncation=True) with its mask. */
export function tokenizePixArt(tokenizer: FluxTokenizer, prompt: string, maxLength: number): PixArtTokens {
  const { ids, mask } = tokenizeMasked(tokenizer, preprocessPrompt(prompt), maxLength)
  return { ids, mask }
}

/** text_encoder(ids, attention_mask=mask)[0]: [1, L, D]. */
export async function encodePixArt(
  encoder: Session,
  tokens: PixArtTokens,
  beforeCall: BeforeCall
): Promise<PixArtText> {
  const out = await runMaskedEncoder(encoder, tokens, beforeCall, {
    encoder: 'T5',
    pipeline: 'PixArtSigmaPipeline'
  })
  return { states: tensor(out.data, out.dims), mask: tokens.mask }
}
