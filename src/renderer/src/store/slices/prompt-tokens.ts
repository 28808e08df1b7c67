import { errorText, unwrap } from '../../../../shared/failure'
import type { PromptTokensSlice, SliceCreator, StudioSlices } from './types'

/**
 * The prompt's tokens as the selected model's tokenizer counts them (the engine answers; the
 * renderer has no tokenizer of its own), so the generate view can say how much of a long prompt
 * reaches the model and which words it does not know.
 */

export const createPromptTokensSlice: SliceCreator<PromptTokensSlice> = (set, get) => ({
  promptTokens: null,
  promptTokensError: null,
  countPromptTokens: async () => {
    const { modelId, prompt } = get().form
    if (!modelId) return
    const current = () => get().form.modelId === modelId && get().form.prompt === prompt
    try {
      const tokens = await unwrap(window.studio.countTokens({ model: modelId, text: prompt }))
      if (current()) set({ promptTokens: { modelId, text: prompt, tokens }, promptTokensError: null })
    } catch (e) {
      if (current()) set({ promptTokens: null, promptTokensError: errorText(e) })
    }
  }
})

export interface PromptTokenNote {
  /** "12 / 16 tokens". */
  count: string
  over: boolean
  /** What happens to the words past the limit and the unknown ones, in sentences; empty when nothing. */
  warnings: string[]
  /** The text the model reads, when some was dropped. */
  kept: string | null
}

const quote = (text: string, max = 120): string =>
  `“${text.length > max ? `${text.slice(0, max - 1)}…` : text}”`

/**
 * The note under the prompt, for the form's prompt and model; null until the engine has answered.
 * A new object each call: components select `promptTokens` and the form and memoize this.
 */
export function promptTokenNote(
  s: Pick<StudioSlices, 'promptTokens'> & { form: Pick<StudioSlices['form'], 'modelId' | 'prompt'> }
): PromptTokenNote | null {
  const p = s.promptTokens
  if (!p || p.modelId !== s.form.modelId || p.text !== s.form.prompt) return null
  const t = p.tokens
  const over = t.count > t.maxLength
  const warnings: string[] = []
  if (over) {
    const lost = t.count - t.maxLength
    warnings.push(
      `Only the first ${t.maxLength} tokens reach the model: ${lost} ${lost === 1 ? 'token is' : 'tokens are'} dropped (${quote(t.dropped)}).`
    )
  }
  if (t.unknown.length > 0) {
    const shown = t.unknown.slice(0, 8).map((w) => quote(w, 40))
    const more = t.unknown.length > 8 ? ` and ${t.unknown.length - 8} more` : ''
    warnings.push(`Unknown to this model's tokenizer, read as one unknown token: ${shown.join(', ')}${more}.`)
  }
  return { count: `${t.count} / ${t.maxLength} tokens`, over, warnings, kept: over ? t.kept : null }
}
