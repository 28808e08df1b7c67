/**
 * A number field's input: `min`–`max` (whole numbers where `integer`) is what the request accepts,
 * and a value outside it is marked invalid as it is typed. What an emptied field means differs by
 * field, so the caller says: `NaN` for a number the request needs (invalid until filled in), `null`
 * for one the model has a default for (left to the model).
 */
export function NumberInput<Empty extends number | null>(props: {
  id: string
  value: number | Empty
  empty: Empty
  min: number
  max: number
  integer?: boolean
  step?: number
  placeholder?: string
  disabled?: boolean
  onChange: (value: number | Empty) => void
}) {
  const { id, value, empty, min, max, integer = false, step, placeholder, disabled, onChange } = props
  const invalid = value !== null && !inRange(value, min, max, integer)
  return (
    <input
      id={id}
      data-testid={id}
      className={invalid ? 'num invalid' : 'num'}
      type="number"
      min={min}
      max={max}
      step={step}
      placeholder={placeholder}
      value={value === null || !Number.isFinite(value) ? '' : value}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value === '' ? empty : Number(e.target.value))}
    />
  )
}

const inRange = (v: number, min: number, max: number, integer: boolean): boolean =>
  v >= min && v <= max && (!integer || Number.isInteger(v))
