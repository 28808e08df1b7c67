import { Tokenizer } from '@huggingface/tokenizers'
import { z } from 'zod'
import { EngineFailure } from '../errors'

/**
 * Prompt → token ids, padded / truncated to the manifest's maxLength. The tokenizer library
 * reads the standard tokenizer.json; two gaps of it are filled here:
 * - its WordLevel model returns `undefined` for unknown words instead of the unk token's id;
 * - it ignores the file's `padding` and `truncation` sections (we pad right to maxLength).
 */

const TokenizerFileSchema = z
  .object({
    model: z
      .object({ type: z.string(), vocab: z.unknown().optional(), unk_token: z.string().nullish() })
      .passthrough(),
    padding: z.object({ pad_id: z.number().int() }).passthrough().nullish(),
    added_tokens: z.array(z.object({ id: z.number().int(), content: z.string() }).passthrough()).optional()
  })
  .passthrough()

export class PromptTokenizer {
  readonly #tokenizer: Tokenizer
  readonly maxLength: number
  readonly padId: number
  readonly unkId: number | null

  constructor(json: string, maxLength: number, file = 'tokenizer.json') {
    let parsed: z.infer<typeof TokenizerFileSchema>
    let raw: unknown
    try {
      raw = JSON.parse(json)
      parsed = TokenizerFileSchema.parse(raw)
    } catch (e) {
      throw new EngineFailure(
        'model_invalid',
        `${file}: not a tokenizer.json (${(e as Error).message.split('\n')[0]})`
      )
    }
    try {
      this.#tokenizer = new Tokenizer(raw as object, {})
    } catch (e) {
      throw new EngineFailure(
        'model_invalid',
        `${file}: the tokenizer library cannot read it (${(e as Error).message})`
      )
    }
    this.maxLength = maxLength
    this.padId = parsed.padding?.pad_id ?? 0
    this.unkId = lookupUnk(parsed)
  }

  /** Token ids of one prompt, exactly maxLength long. */
  encode(text: string): number[] {
    const ids = this.#tokenizer.encode(text).ids.map((id) => {
      if (id !== undefined && id !== null) return id
      if (this.unkId === null)
        throw new EngineFailure(
          'bad_request',
          `the prompt has a word the tokenizer does not know and it has no unk token`
        )
      return this.unkId
    })
    const out = ids.slice(0, this.maxLength)
    while (out.length < this.maxLength) out.push(this.padId)
    return out
  }
}

function lookupUnk(t: z.infer<typeof TokenizerFileSchema>): number | null {
  const unk = t.model.unk_token
  if (!unk) return null
  const vocab = t.model.vocab
  if (vocab && typeof vocab === 'object' && !Array.isArray(vocab)) {
    const id = (vocab as Record<string, unknown>)[unk]
    if (typeof id === 'number') return id
  }
  return t.added_tokens?.find((a) => a.content === unk)?.id ?? null
}
