import { useStudioStore } from '../store'
import { formatMs } from './format'
import { PendingButton } from './PendingButton'

/**
 * What Add model is doing, under the button that started it (the model picker and Settings →
 * Models): while a folder is imported, the importer's last lines and a Cancel button (main then
 * stops the engine's import and removes what it had written); after, the import's last line
 * ("imported as …", "Import cancelled") or the refusal's reason.
 */
export function AddModelStatus() {
  const adding = useStudioStore((s) => s.addingModel)
  const notice = useStudioStore((s) => s.addModelNotice)
  const addError = useStudioStore((s) => s.addModelError)
  const cancel = useStudioStore((s) => s.cancelAddModel)
  return (
    <>
      {adding && (
        <div className="import-progress" role="status" data-testid="add-model-progress">
          <div className="import-progress-head">
            <span className="dim">Importing{adding.lines[0] ? ` ${adding.lines[0].folder}` : ''}…</span>
            <PendingButton
              className="danger-button"
              testId="cancel-add-model"
              pending={adding.cancelling}
              label="Cancel"
              pendingLabel="Cancelling…"
              onClick={cancel}
            />
          </div>
          {adding.lines.slice(-4).map((l, k) => (
            <span key={`${adding.lines.length}-${k}`} className="num dim">
              {formatMs(l.elapsedMs)} · {l.line}
            </span>
          ))}
        </div>
      )}
      {notice && !adding && (
        <p className="field-hint" data-testid="add-model-notice">
          {notice}
        </p>
      )}
      {addError && (
        <p className="field-error" role="alert" data-testid="add-model-error">
          Refused: {addError}
        </p>
      )}
    </>
  )
}
