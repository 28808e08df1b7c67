import { useEffect, useMemo } from 'react'
import type { ModelInfo } from '../../../../shared/manifest'
import { usesNegativePrompt } from '../../../../shared/model-choices'
import { examplePrompts, parseCaption } from '../../../../shared/prompt-grammar'
import { TOKENS_UNAVAILABLE } from '../../../../shared/remote-engine'
import { PendingButton } from '../../components/PendingButton'
import { useStudioStore } from '../../store'
import { whyEngineCannotRun } from '../../store/selectors'
import { isGenerating, whyCannotGenerate } from '../../store/slices/generation'
import { selectedModel } from '../../store/slices/models'
import { promptTokenNote } from '../../store/slices/prompt-tokens'
import { PromptEmbedsNote } from './PromptEmbedsNote'

/** Wait this long after the last keystroke before asking the engine to count. */
const COUNT_DELAY_MS = 250

/**
 * The prompt composer: what to generate and, under it, Generate (Cancel while a run is under way)
 * with the reason it is disabled — where the user's part of a request begins and ends
 * (docs/architecture.md, "The way of a request"). A model that reads no prompt text shows the
 * note of where it can be generated in place of the prompt; the action then says why it cannot.
 * The fields are locked while a run is under way, the action is not (it cancels).
 */
export function PromptComposer({ model, busy }: { model: ModelInfo | null; busy: boolean }) {
  return (
    <div className="prompt-composer">
      {model?.promptEmbeds ? <PromptEmbedsNote model={model} /> : <PromptInput disabled={busy} />}
      <GenerateAction />
    </div>
  )
}

/**
 * Prompt and negative prompt, with the grammar's example prompts as clickable suggestions. The
 * negative prompt is offered only where the family uses CFG (not FLUX: guidance-distilled or none).
 */
function PromptInput({ disabled }: { disabled?: boolean }) {
  const prompt = useStudioStore((s) => s.form.prompt)
  const negative = useStudioStore((s) => s.form.negativePrompt)
  const kind = useStudioStore((s) => selectedModel(s)?.kind ?? 'image')
  const modelExamples = useStudioStore((s) => selectedModel(s)?.examples)
  // The caption grammar is the embedded models' language; an imported model is offered only the
  // examples its own package names.
  const imported = useStudioStore((s) => selectedModel(s)?.family !== undefined)
  const negativeUsed = useStudioStore((s) => {
    const m = selectedModel(s)
    return m === null || usesNegativePrompt(m)
  })
  const setForm = useStudioStore((s) => s.setForm)
  const modelId = useStudioStore((s) => s.form.modelId)
  const countPromptTokens = useStudioStore((s) => s.countPromptTokens)
  const promptTokens = useStudioStore((s) => s.promptTokens)
  const note = useMemo(
    () => promptTokenNote({ promptTokens, form: { modelId, prompt } }),
    [promptTokens, modelId, prompt]
  )
  const countError = useStudioStore((s) => s.promptTokensError)
  useEffect(() => {
    const timer = setTimeout(() => void countPromptTokens(), COUNT_DELAY_MS)
    return () => clearTimeout(timer)
  }, [prompt, modelId, countPromptTokens])
  const suggestions = useMemo(() => {
    const all = [...(modelExamples ?? []), ...(imported ? [] : examplePrompts(kind, 4))]
    return [...new Set(all)].slice(0, 4)
  }, [kind, modelExamples, imported])
  return (
    <>
      <div className="field">
        <div className="field-label">
          <label htmlFor="prompt">Prompt</label>
          {note && (
            <span className={note.over ? 'token-count over' : 'token-count'} data-testid="prompt-tokens">
              {note.count}
            </span>
          )}
        </div>
        <textarea
          id="prompt"
          data-testid="prompt"
          rows={3}
          value={prompt}
          disabled={disabled}
          spellCheck={false}
          placeholder="a red circle at the center on a blue background"
          onChange={(e) => setForm({ prompt: e.target.value })}
        />
        {note && note.warnings.length > 0 && (
          <div className="token-warnings" role="status" data-testid="prompt-token-warning">
            {note.warnings.map((w) => (
              <p key={w} className="field-hint warn">
                {w}
              </p>
            ))}
            {note.kept !== null && (
              <p className="field-hint" data-testid="prompt-kept">
                The model reads: <q>{note.kept}</q>
              </p>
            )}
          </div>
        )}
        {countError?.startsWith(TOKENS_UNAVAILABLE) ? (
          // A remote server that does not count (shared/remote-engine.ts): a note, not an error.
          <p className="field-hint" data-testid="prompt-tokens-unavailable">
            Token count {countError}
          </p>
        ) : (
          countError && <p className="field-error">Token count: {countError}</p>
        )}
        <div className="suggestions" aria-label="Example prompts">
          {suggestions.map((text) => (
            <button
              key={text}
              type="button"
              className={text === prompt ? 'chip active' : 'chip'}
              disabled={disabled}
              title={text}
              onClick={() => setForm({ prompt: text })}
            >
              {chipLabel(text)}
            </button>
          ))}
        </div>
      </div>
      {negativeUsed && (
        <div className="field">
          <label className="field-label" htmlFor="negative-prompt">
            Negative prompt
          </label>
          <input
            id="negative-prompt"
            type="text"
            value={negative}
            disabled={disabled}
            spellCheck={false}
            placeholder="optional"
            onChange={(e) => setForm({ negativePrompt: e.target.value })}
          />
        </div>
      )}
    </>
  )
}

const MOD = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform) ? '⌘' : 'Ctrl'

/** Generate, which becomes Cancel while a run is under way; says why it is disabled. */
function GenerateAction() {
  const busy = useStudioStore(isGenerating)
  const cancelling = useStudioStore((s) => s.job?.phase === 'cancelling')
  const why = useStudioStore((s) => whyEngineCannotRun(s) ?? whyCannotGenerate(s))
  const generate = useStudioStore((s) => s.generate)
  const cancel = useStudioStore((s) => s.cancelGenerate)
  if (busy) {
    return (
      <PendingButton
        className="primary-button cancel"
        testId="cancel"
        pending={cancelling}
        label="Cancel"
        pendingLabel="Cancelling…"
        onClick={cancel}
      >
        <kbd>Esc</kbd>
      </PendingButton>
    )
  }
  return (
    <div className="generate-action">
      <button
        type="button"
        className="primary-button"
        data-testid="generate"
        disabled={why !== null}
        title={why ?? undefined}
        onClick={() => void generate()}
      >
        Generate
        <kbd>{MOD} ↵</kbd>
      </button>
      {why && (
        <p className="field-hint center" data-testid="generate-why">
          {why}
        </p>
      )}
    </div>
  )
}

/** "a red circle at the top left on a blue background" → "red circle · top left · on blue". */
function chipLabel(text: string): string {
  const c = parseCaption(text)
  if (!c) return text
  return `${c.color} ${c.shape} · ${c.kind === 'image' ? c.position : `moving ${c.direction}`} · on ${c.background}`
}
