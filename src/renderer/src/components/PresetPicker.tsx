import { calibratedAsPreset } from '../../../shared/calibrated-presets'
import { PRESETS } from '../../../shared/presets'
import { useStudioStore } from '../store'
import { calibratedForModel, calibratedKey } from '../store/slices/cache'
import { CustomCacheForm } from './CustomCacheForm'
import { presetShortLabel } from './format'
import { ExplainedRadio } from './ExplainedRadio'

/**
 * The cache presets as a segmented list, each explained; Custom opens every knob. Below them, the
 * presets `studio calibrate` found for the selected model, each named by the PSNR target it was
 * calibrated for; one runs as Custom with its fields.
 */
export function PresetPicker({ disabled }: { disabled?: boolean }) {
  const preset = useStudioStore((s) => s.preset)
  const picked = useStudioStore((s) => s.pickedCalibrated)
  const calibrated = useStudioStore(calibratedForModel)
  const calibratedError = useStudioStore((s) => s.calibratedError)
  const setPreset = useStudioStore((s) => s.setPreset)
  const customizeFrom = useStudioStore((s) => s.customizeFrom)
  const pickCalibrated = useStudioStore((s) => s.pickCalibrated)
  const customizeCalibrated = useStudioStore((s) => s.customizeCalibrated)
  const current = PRESETS.find((p) => p.id === preset)
  const hint = picked ? calibratedAsPreset(picked).description : current?.description
  const canCustomize = picked !== null || (preset !== 'custom' && preset !== 'none')
  return (
    <div className="field">
      <div className="field-label">
        <span>Cache</span>
        {canCustomize && (
          <button
            type="button"
            className="link-button"
            disabled={disabled}
            onClick={() => (picked ? customizeCalibrated() : customizeFrom(preset))}
          >
            Customize…
          </button>
        )}
      </div>
      <div className="segmented" role="radiogroup" aria-label="Cache preset" data-testid="preset-picker">
        {PRESETS.map((p) => (
          <ExplainedRadio
            key={p.id}
            look="segment"
            on={preset === p.id && picked === null}
            description={p.description}
            disabled={disabled}
            data={{ 'data-preset': p.id }}
            onPick={() => setPreset(p.id)}
          >
            {presetShortLabel(p.id)}
          </ExplainedRadio>
        ))}
      </div>
      {calibrated.length > 0 && (
        <div className="calibrated-presets" data-testid="calibrated-presets">
          <span className="calibrated-title">Calibrated for this model</span>
          <div className="suggestions" role="radiogroup" aria-label="Calibrated presets">
            {calibrated.map((c) => (
              <ExplainedRadio
                key={calibratedKey(c)}
                look="chip"
                on={picked !== null && calibratedKey(picked) === calibratedKey(c)}
                description={calibratedAsPreset(c).description}
                disabled={disabled}
                data={{ 'data-calibrated': calibratedKey(c) }}
                onPick={() => pickCalibrated(c)}
              >
                {c.base} · PSNR ≥ {c.targetPsnrDb} dB
              </ExplainedRadio>
            ))}
          </div>
        </div>
      )}
      {calibratedError && (
        <p className="field-error" role="alert" data-testid="calibrated-error">
          Calibrated presets: {calibratedError}
        </p>
      )}
      {hint && <p className="field-hint">{hint}</p>}
      {preset === 'custom' && picked === null && <CustomCacheForm disabled={disabled} />}
    </div>
  )
}
