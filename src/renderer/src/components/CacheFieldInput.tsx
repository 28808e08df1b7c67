import { useStudioStore } from '../store'
import type { CacheField } from '../store/cache-form'
import { InfoTip } from './InfoTip'

interface Props {
  field: CacheField
  value: string
  error?: string
  disabled?: boolean
}

/** One knob of the custom form: the right input for its kind, its explanation, its error beside it. */
export function CacheFieldInput({ field, value, error, disabled }: Props) {
  const setField = useStudioStore((s) => s.setCustomField)
  const id = `cache-${field.key.replace('.', '-')}`
  const set = (text: string): void => setField(field.key, text)
  const k = field.kind
  let input
  if (k.type === 'bool') {
    input = (
      <input
        id={id}
        type="checkbox"
        className="toggle"
        checked={value === 'true'}
        disabled={disabled}
        onChange={(e) => set(String(e.target.checked))}
      />
    )
  } else if (k.type === 'tristate' || k.type === 'enum') {
    const options = k.type === 'tristate' ? ['auto', 'true', 'false'] : k.options
    input = (
      <select id={id} value={value} disabled={disabled} onChange={(e) => set(e.target.value)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o === 'true' ? 'on' : o === 'false' ? 'off' : o}
          </option>
        ))}
      </select>
    )
  } else {
    input = (
      <input
        id={id}
        type="text"
        inputMode={k.type === 'mask' ? 'text' : 'decimal'}
        className={error ? 'num invalid' : 'num'}
        value={value}
        disabled={disabled}
        placeholder={k.type === 'optional-number' || k.type === 'mask' ? 'none' : ''}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => set(e.target.value)}
      />
    )
  }
  return (
    <div className={`knob ${k.type === 'mask' ? 'wide' : ''}`} data-field={field.key}>
      <label htmlFor={id} className="knob-label">
        <span className="knob-text">{field.label}</span>
        <InfoTip text={field.doc} />
      </label>
      <div className="knob-input">{input}</div>
      {error && (
        <p id={`${id}-error`} className="field-error" data-testid={`error-${field.key}`}>
          {error}
        </p>
      )}
    </div>
  )
}
