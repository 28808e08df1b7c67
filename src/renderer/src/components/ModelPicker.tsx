import { useStudioStore } from '../store'
import { selectedModel } from '../store/slices/models'
import { formatBytes } from './format'

/** Embedded and user-added models with kind, size and source; adding a folder shows its refusal reason. */
export function ModelPicker({ disabled }: { disabled?: boolean }) {
  const models = useStudioStore((s) => s.models)
  const model = useStudioStore(selectedModel)
  const selectModel = useStudioStore((s) => s.selectModel)
  const addModel = useStudioStore((s) => s.addModel)
  const addError = useStudioStore((s) => s.addModelError)
  const modelsError = useStudioStore((s) => s.modelsError)
  return (
    <div className="field">
      <div className="field-label">
        <label htmlFor="model-select">Model</label>
        <button type="button" className="link-button" onClick={() => void addModel()} disabled={disabled}>
          + Add folder…
        </button>
      </div>
      <select
        id="model-select"
        data-testid="model-select"
        value={model?.id ?? ''}
        disabled={disabled || models.length === 0}
        onChange={(e) => selectModel(e.target.value)}
      >
        {models.length === 0 && <option value="">No models</option>}
        {models.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name} — {m.kind}, {formatBytes(m.sizeBytes)}
          </option>
        ))}
      </select>
      {model && (
        <div className="model-meta">
          <span className={`tag ${model.kind}`}>{model.kind}</span>
          <span className="tag">{model.embedded ? 'embedded' : 'added'}</span>
          <span className="num dim">
            {model.output.width}×{model.output.height}
            {model.output.frames > 1 ? ` · ${model.output.frames} frames` : ''}
          </span>
          <span className="num dim">{formatBytes(model.sizeBytes)}</span>
          <span className="num dim">
            {model.transformers.reduce((n, t) => n + t.blockLists.reduce((k, l) => k + l.blocks, 0), 0)}{' '}
            blocks
          </span>
        </div>
      )}
      {modelsError && <p className="field-error">{modelsError}</p>}
      {addError && (
        <p className="field-error" role="alert" data-testid="add-model-error">
          Refused: {addError}
        </p>
      )}
    </div>
  )
}
