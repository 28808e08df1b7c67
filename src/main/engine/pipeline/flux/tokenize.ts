import { Tokenizer } from '@huggingface/tokenizers'
import { z } from 'zod'
import { EngineFailure } from '../../errors'

/**
 * A transformers tokenizer (tokenizer.json + tokenizer_config.json) called as FluxPipeline calls
 * it: `tokenizer(prompt, padding="max_length", max_length=L, truncation=True)`. Truncation keeps
 * the special tokens the post-processor adds (CLIP's BOS and EOS, T5's </s>) and drops words
 * from the end; padding appends the config's pad_token. The tokenizer library reads
 * tokenizer.json but ignores both (pipeline/tokenizer.ts says the same of the engine's own).
 */

const ConfigSchema = z
  .object({
    pad_token: z.union([z.string(), z.object({ content: z.string() }).passthrough()]).nullish(),
    unk_token: z.union([z.string(), z.object({ content: z.string() }).passthrough()]).nullish()
  })
  .passthrough()

const FileSchema = z
  .object({
    model: z.object({ type: z.enum(['BPE', 'Unigram', 'WordPiece']) }).passthrough(),
    padding: z.object({ pad_id: z.number().int() }).passthrough().nullish()
  })
  .passthrough()

export class FluxTokenizer {
  readonly #tokenizer: Tokenizer
  readonly #label: string
  readonly padId: number
  readonly unkId: number | null

  /**
   * `json`: tokenizer.json's text; `configJson`: tokenizer_config.json's (null when the folder
   * has none); `label` names the file in errors.
   */
  constructor(json: string, configJson: string | null, label: string) {
    this.#label = label
    const parse = (text: string, what: string): unknown => {
      try {
        return JSON.parse(text)
      } catch (e) {
        throw new EngineFailure('model_invalid', `${what}: not valid JSON (${(e as Error).message})`)
      }
    }
    const raw = parse(json, label)
    const file = FileSchema.safeParse(raw)
    if (!file.success) {
      const i = file.error.issues[0]
      throw new EngineFailure('model_invalid', `${label}: ${i.path.join('.') || '(root)'}: ${i.message}`)
    }
    const configLabel = label.replace(/tokenizer\.json$/, 'tokenizer_config.json')
    const config = ConfigSchema.safeParse(configJson === null ? {} : parse(configJson, configLabel))
    if (!config.success)
      throw new EngineFailure('model_invalid', `${configLabel}: pad_token or unk_token is not a token`)
    try {
      this.#tokenizer = new Tokenizer(
        raw as object,
        (configJson === null ? {} : JSON.parse(configJson)) as object
      )
    } catch (e) {
      throw new EngineFailure(
        'model_invalid',
        `${label}: the tokenizer library cannot read it (${(e as Error).message})`
      )
    }
    const tokenOf = (t: string | { content: string } | null | undefined) =>
      t === null || t === undefined ? null : typeof t === 'string' ? t : t.content
    const pad = tokenOf(config.data.pad_token)
    const padId =
      pad === null ? (file.data.padding?.pad_id ?? null) : (this.#tokenizer.token_to_id(pad) ?? null)
    if (padId === null)
      throw new EngineFailure(
        'model_invalid',
        `${configLabel}: no pad_token in the vocabulary to pad prompts with`
      )
    this.padId = padId
    const unk = tokenOf(config.data.unk_token)
    this.unkId = unk === null ? null : (this.#tokenizer.token_to_id(unk) ?? null)
  }

  /** Exactly `maxLength` ids: the prompt's, truncated keeping the special tokens, then padding. */
  encode(text: string, maxLength: number): number[] {
    const full = this.#ids(text, true)
    let ids = full
    if (full.length > maxLength) {
      const words = this.#ids(text, false)
      // Where the words sit inside the post-processed ids: specials before and after them.
      const before = full.length - words.length > 0 ? indexOfRun(full, words) : 0
      if (before < 0)
        throw new Error(`${this.#label}: cannot find the prompt's tokens inside its special tokens`)
      const prefix = full.slice(0, before)
      const suffix = full.slice(before + words.length)
      const room = maxLength - prefix.length - suffix.length
      if (room < 0) throw new Error(`${this.#label}: max length ${maxLength} leaves no room for the prompt`)
      ids = [...prefix, ...words.slice(0, room), ...suffix]
    }
    const out = ids.slice(0, maxLength)
    while (out.length < maxLength) out.push(this.padId)
    return out
  }

  #ids(text: string, special: boolean): number[] {
    const encoded = this.#tokenizer.encode(text, { add_special_tokens: special })
    return encoded.ids.map((id, i) => {
      if (id !== undefined && id !== null) return id
      if (this.unkId === null)
        throw new EngineFailure(
          'bad_request',
          `the prompt's word "${encoded.tokens[i] ?? '?'}" is not in ${this.#label}'s vocabulary, which has no unk token`
        )
      return this.unkId
    })
  }
}

function indexOfRun(haystack: readonly number[], run: readonly number[]): number {
  outer: for (let i = 0; i + run.length <= haystack.length; i++) {
    for (let j = 0; j < run.length; j++) if (haystack[i + j] !== run[j]) continue outer
    return i
  }
  return -1
}
