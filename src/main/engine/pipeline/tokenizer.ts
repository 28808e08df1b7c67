import { Tokenizer } from '@huggingface/tokenizers'
import { z } from 'zod'
import type { PromptTokens } from '../../../shared/generation'
import { EngineFailure } from '../errors'

/**
 * Prompt → token ids, padded / truncated to the manifest's maxLength. The tokenizer library
 * reads the standard tokenizer.json; two gaps of it are filled here:
 * - its WordLevel model returns `undefined` for unknown words instead of the unk token's id;
 * - it ignores the file's `padding` and `truncation` sections (we pad right to maxLength).
 */

/**
 * Model types the library encodes. It has no WordLevel class: a WordLevel vocab (word → id) is
 * run by its fallback (a vocabulary lookup), which is right for WordLevel and silently wrong for a
 * type it does not know, so any other type is refused here as a model error.
 */
const MODEL_TYPES = ['BPE', 'Unigram', 'WordLevel', 'WordPiece'] as const

const TokenizerFileSchema = z
  .object({
    model: z
      .object({
        type: z.string().refine((t) => (MODEL_TYPES as readonly string[]).includes(t), {
          message: `not a tokenizer model this studio reads (${MODEL_TYPES.join(', ')})`
        }),
        vocab: z.unknown().optional(),
        unk_token: z.string().nullish()
      })
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
  readonly #file: string

  constructor(json: string, maxLength: number, file = 'tokenizer.json') {
    let raw: unknown
    try {
      raw = JSON.parse(json)
    } catch (e) {
      throw new EngineFailure('model_invalid', `${file}: not valid JSON (${(e as Error).message})`)
    }
    const checked = TokenizerFileSchema.safeParse(raw)
    if (!checked.success) {
      throw new EngineFailure(
        'model_invalid',
        `${file}: not a tokenizer.json (${describeFields(checked.error)})`
      )
    }
    const parsed = checked.data
    try {
      this.#tokenizer = new Tokenizer(raw as object, {})
    } catch (e) {
      throw new EngineFailure(
        'model_invalid',
        `${file}: the tokenizer library cannot read it (${(e as Error).message})`
      )
    }
    this.maxLength = maxLength
    this.#file = file
    this.padId = parsed.padding?.pad_id ?? 0
    this.unkId = lookupUnk(parsed)
  }

  /** Token ids of one prompt, exactly maxLength long. */
  encode(text: string): number[] {
    const encoded = this.#tokenizer.encode(text)
    const ids = encoded.ids.map((id, i) => {
      if (id !== undefined && id !== null) return id
      if (this.unkId === null)
        throw new EngineFailure(
          'bad_request',
          `the prompt's word "${encoded.tokens[i] ?? '?'}" is not in ${this.#file}'s vocabulary, which has no unk token to stand for it`
        )
      return this.unkId
    })
    const out = ids.slice(0, this.maxLength)
    while (out.length < this.maxLength) out.push(this.padId)
    return out
  }

  /** What `encode` makes of a prompt, in words: its length against maxLength, kept, dropped, unknown. */
  count(text: string): PromptTokens {
    const { ids, tokens } = this.#tokenizer.encode(text)
    const unknown = new Set<string>()
    const known = ids.map((id, i) => {
      if (id !== undefined && id !== null && id !== this.unkId) return id
      unknown.add(tokens[i])
      return this.unkId ?? this.padId
    })
    const decode = (part: number[]) => (part.length === 0 ? '' : this.#tokenizer.decode(part))
    return {
      count: ids.length,
      maxLength: this.maxLength,
      kept: decode(known.slice(0, this.maxLength)),
      dropped: decode(known.slice(this.maxLength)),
      unknown: [...unknown]
    }
  }
}

/** `model.type: …; padding.pad_id: …`: the fields and what is wrong with each, on one line. */
function describeFields(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ')
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
