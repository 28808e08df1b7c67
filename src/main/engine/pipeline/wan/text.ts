import type { BeforeCall } from '../../model/block-program'
import type { Session } from '../../model/session'
import { tensor, type Tensor } from '../../tensor'
import type { FluxTokenizer } from '../flux/tokenize'
import { runMaskedEncoder, tokenizeMasked, type MaskedTokens } from '../masked-text-encoder'

/**
 * WanPipeline's prompt encoding (`_get_t5_prompt_embeds`): the prompt cleaned (`prompt_clean`),
 * tokenized to max_sequence_length with padding and truncation, its attention mask (1 for the
 * prompt's tokens, 0 for padding), UMT5 run with ids and mask, and the states past the prompt's
 * length replaced by zeros. The transformer's cross-attention takes no mask, so those zeros are
 * what it attends to at the padded positions: the pad length matters and must be the pipeline's.
 */

export type WanTokens = MaskedTokens

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

/** tokenizer(prompt_clean(prompt), padding="max_length", max_length, truncation=True) with its mask. */
export function tokenizeWan(tokenizer: FluxTokenizer, prompt: string, maxLength: number): WanTokens {
  return tokenizeMasked(tokenizer, cleanPrompt(prompt), maxLength)
}

/** UMT5's last_hidden_state for the tokens, zeroed past the prompt's length: [1, L, text_dim]. */
export async function encodeWan(
  encoder: Session,
  tokens: WanTokens,
  beforeCall: BeforeCall
): Promise<Tensor> {
  const out = await runMaskedEncoder(encoder, tokens, beforeCall, {
    encoder: 'UMT5',
    pipeline: 'WanPipeline'
  })
  const D = out.dims[2]
  const data = Float32Array.from(out.data)
  data.fill(0, tokens.length * D)
  return tensor(data, out.dims)
}
