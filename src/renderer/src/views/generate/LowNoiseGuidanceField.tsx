import type { ModelInfo } from '../../../../shared/manifest'
import { NumberInput } from '../../components/NumberInput'
import { useStudioStore } from '../../store'

/**
 * The second guidance scale of a model with two experts (Wan 2.2, ModelInfo.secondExpert): the
 * low-noise expert (transformer_2) runs the steps below the boundary with it, the Guidance field's
 * scale guides the high-noise expert. Starts at the model's guidance_scale_2; emptied, the request
 * leaves it to the model's default again.
 */
export function LowNoiseGuidanceField(props: {
  expert: NonNullable<ModelInfo['secondExpert']>
  disabled?: boolean
}) {
  const { expert, disabled } = props
  const value = useStudioStore((s) => s.form.guidanceScale2)
  const setForm = useStudioStore((s) => s.setForm)
  const boundary = Math.round(expert.boundaryRatio * 1000)
  return (
    <div className="field-row">
      <div className="field low-noise-field">
        <label
          className="field-label"
          htmlFor="guidance-2"
          title={`Classifier-free guidance of the second expert (transformer_2), which runs the steps with timestep below ${boundary}; the Guidance field's scale guides the first. Default ${expert.guidanceScale2}`}
        >
          Guidance (low-noise expert)
        </label>
        <div className="low-noise-input">
          <NumberInput
            id="guidance-2"
            value={value}
            empty={null}
            min={0}
            max={50}
            step={0.5}
            placeholder={String(expert.guidanceScale2)}
            disabled={disabled}
            onChange={(v) => setForm({ guidanceScale2: v })}
          />
          <p className="field-hint" data-testid="guidance-2-note">
            Two experts: the steps below timestep {boundary} run on the low-noise one, with this scale.
          </p>
        </div>
      </div>
    </div>
  )
}
