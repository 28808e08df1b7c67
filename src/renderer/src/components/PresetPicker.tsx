import { PRESETS } from '../../../shared/presets'
import { useStudioStore } from '../store'
import { CustomCacheForm } from './CustomCacheForm'
import { InfoTip } from './InfoTip'

/** The cache presets as a segmented list, each explained; Custom opens every knob. */
export function PresetPicker({ disabled }: { disabled?: boolean }) {
  const preset = useStudioStore((s) => s.preset)
  const setPreset = useStudioStore((s) => s.setPreset)
  const customizeFrom = useStudioStore((s) => s.customizeFrom)
  const current = PRESETS.find((p) => p.id === preset)
  return (
    <div className="field">
      <div className="field-label">
        <span>Cache</span>
        {preset !== 'custom' && preset !== 'none' && (
          <button
            type="button"
            className="link-button"
            disabled={disabled}
            onClick={() => customizeFrom(preset)}
          >
            Customize…
          </button>
        )}
      </div>
      <div className="segmented" role="radiogroup" aria-label="Cache preset" data-testid="preset-picker">
        {PRESETS.map((p) => (
          <InfoTip key={p.id} text={p.description}>
            <button
              type="button"
              role="radio"
              aria-checked={preset === p.id}
              className={preset === p.id ? 'segment on' : 'segment'}
              disabled={disabled}
              data-preset={p.id}
              onClick={() => setPreset(p.id)}
            >
              {p.id === 'F8B8-taylorseer' ? 'F8B8+TS' : p.id === 'F1B0' ? 'F1B0' : p.label}
            </button>
          </InfoTip>
        ))}
      </div>
      {current && <p className="field-hint">{current.description}</p>}
      {preset === 'custom' && <CustomCacheForm disabled={disabled} />}
    </div>
  )
}
