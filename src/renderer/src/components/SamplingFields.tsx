import { useStudioStore } from '../store'
import { selectedModel } from '../store/slices/models'

/** Steps and guidance; size and frames are the model's (its graphs are exported at one size). */
export function SamplingFields({ disabled }: { disabled?: boolean }) {
  const steps = useStudioStore((s) => s.form.steps)
  const guidance = useStudioStore((s) => s.form.guidanceScale)
  const model = useStudioStore(selectedModel)
  const setForm = useStudioStore((s) => s.setForm)
  const stepsBad = !Number.isInteger(steps) || steps < 1 || steps > 1000
  const guidanceBad = !(guidance >= 0 && guidance <= 50)
  return (
    <div className="field-row">
      <div className="field">
        <label className="field-label" htmlFor="steps">
          Steps
        </label>
        <input
          id="steps"
          data-testid="steps"
          className={stepsBad ? 'num invalid' : 'num'}
          type="number"
          min={1}
          max={1000}
          value={Number.isFinite(steps) ? steps : ''}
          disabled={disabled}
          onChange={(e) => setForm({ steps: e.target.value === '' ? Number.NaN : Number(e.target.value) })}
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor="guidance">
          Guidance
        </label>
        <input
          id="guidance"
          className={guidanceBad ? 'num invalid' : 'num'}
          type="number"
          min={0}
          max={50}
          step={0.5}
          value={Number.isFinite(guidance) ? guidance : ''}
          disabled={disabled}
          onChange={(e) =>
            setForm({ guidanceScale: e.target.value === '' ? Number.NaN : Number(e.target.value) })
          }
        />
      </div>
      <div className="field">
        <span className="field-label" title="Fixed by the model: its graphs are exported at this size">
          {model && model.output.frames > 1 ? 'Size · frames' : 'Size'}
        </span>
        <div className="readout num">
          {model ? `${model.output.width}×${model.output.height}` : '—'}
          {model && model.output.frames > 1 ? ` · ${model.output.frames}` : ''}
        </div>
      </div>
    </div>
  )
}
