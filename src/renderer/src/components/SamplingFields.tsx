import { useStudioStore } from '../store'
import { selectedModel, sizeChoices } from '../store/slices/models'

/**
 * Steps, guidance and size. An imported model (FLUX) makes any size its sizes allow, offered as
 * choices; our own packages are exported at one size and frame count, shown as it is.
 */
export function SamplingFields({ disabled }: { disabled?: boolean }) {
  const steps = useStudioStore((s) => s.form.steps)
  const guidance = useStudioStore((s) => s.form.guidanceScale)
  const model = useStudioStore(selectedModel)
  const setForm = useStudioStore((s) => s.setForm)
  const width = useStudioStore((s) => s.form.width)
  const height = useStudioStore((s) => s.form.height)
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
      {model?.sizes ? (
        <div className="field size-field">
          <span
            className="field-label"
            title={`Multiples of ${model.sizes.multipleOf} up to ${model.sizes.max}; default ${model.output.width}×${model.output.height}`}
          >
            Size
          </span>
          <div className="size-select">
            <SizeSelect
              label="Width"
              value={width}
              choices={sizeChoices(model)}
              disabled={disabled}
              onChange={(v) => setForm({ width: v })}
            />
            <span className="dim">×</span>
            <SizeSelect
              label="Height"
              value={height}
              choices={sizeChoices(model)}
              disabled={disabled}
              onChange={(v) => setForm({ height: v })}
            />
          </div>
        </div>
      ) : (
        <div className="field">
          <span className="field-label" title="Fixed by the model: its graphs are exported at this size">
            {model && model.output.frames > 1 ? 'Size · frames' : 'Size'}
          </span>
          <div className="readout num">
            {model ? `${model.output.width}×${model.output.height}` : '—'}
            {model && model.output.frames > 1 ? ` · ${model.output.frames}` : ''}
          </div>
        </div>
      )}
    </div>
  )
}

function SizeSelect(props: {
  label: string
  value: number | null
  choices: number[]
  disabled?: boolean
  onChange: (value: number) => void
}) {
  const { label, value, choices, disabled, onChange } = props
  // A size a recipe asked for that the model no longer offers is still shown, so it can be seen and changed.
  const all = value !== null && !choices.includes(value) ? [value, ...choices] : choices
  return (
    <select
      aria-label={label}
      data-testid={label.toLowerCase()}
      className="num"
      value={value ?? ''}
      disabled={disabled}
      onChange={(e) => onChange(Number(e.target.value))}
    >
      {all.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
    </select>
  )
}
