import { useMemo } from 'react'
import { useStudioStore } from '../store'
import { CACHE_FIELDS, parseCacheDraft, type CacheField } from '../store/cache-form'
import { selectedModel } from '../store/slices/models'
import { CacheFieldInput } from './CacheFieldInput'

const GROUPS: CacheField['group'][] = [
  'DBCache',
  'Warmup & limits',
  'CFG & contexts',
  'Schedule',
  'TaylorSeer'
]

/** Every DBCache and TaylorSeer knob; each field is checked by the shared schema and shows its own error. */
export function CustomCacheForm({ disabled }: { disabled?: boolean }) {
  const draft = useStudioStore((s) => s.customDraft)
  const model = useStudioStore(selectedModel)
  const { errors } = useMemo(() => parseCacheDraft(draft, model), [draft, model])
  const count = Object.keys(errors).length
  return (
    <div className="custom-form" data-testid="custom-cache-form">
      {count > 0 && (
        <p className="form-banner error" role="alert">
          {count === 1 ? '1 setting needs fixing' : `${count} settings need fixing`} before generating
        </p>
      )}
      {errors.config && <p className="field-error">{errors.config}</p>}
      {GROUPS.map((g) => (
        <fieldset key={g} className="form-group">
          <legend>{g}</legend>
          {CACHE_FIELDS.filter((f) => f.group === g).map((f) => (
            <CacheFieldInput
              key={f.key}
              field={f}
              value={draft[f.key]}
              error={errors[f.key]}
              disabled={disabled}
            />
          ))}
        </fieldset>
      ))}
    </div>
  )
}
