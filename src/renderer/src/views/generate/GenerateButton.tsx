import { useStudioStore } from '../../store'
import { whyEngineCannotRun } from '../../store/selectors'
import { isGenerating, whyCannotGenerate } from '../../store/slices/generation'

const MOD = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform) ? '⌘' : 'Ctrl'

/** Generate, which becomes Cancel while a run is under way; says why it is disabled. */
export function GenerateButton() {
  const busy = useStudioStore(isGenerating)
  const cancelling = useStudioStore((s) => s.job?.phase === 'cancelling')
  const why = useStudioStore((s) => whyEngineCannotRun(s) ?? whyCannotGenerate(s))
  const generate = useStudioStore((s) => s.generate)
  const cancel = useStudioStore((s) => s.cancelGenerate)
  if (busy) {
    return (
      <button
        type="button"
        className="primary-button cancel"
        data-testid="cancel"
        disabled={cancelling}
        onClick={() => void cancel()}
      >
        {cancelling ? 'Cancelling…' : 'Cancel'}
        <kbd>Esc</kbd>
      </button>
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
