import type { ReactNode } from 'react'
import type { ModelInfo } from '../../../shared/manifest'
import { frameChoices, usesGuidanceScale } from '../../../shared/model-choices'
import { useStudioStore } from '../store'
import { selectedModel, sizeChoices } from '../store/slices/models'
import { NumberInput } from './NumberInput'

/**
 * Steps, guidance, size and (video) frames. An imported model makes the sizes and frame counts its
 * ModelInfo allows, offered as choices; a static export (its graphs take one shape) and our own
 * packages show their one size and count as they are, saying why. Guidance is left out where the
 * family takes none (FLUX.1-schnell).
 */
export function SamplingFields({ disabled }: { disabled?: boolean }) {
  const steps = useStudioStore((s) => s.form.steps)
  const guidance = useStudioStore((s) => s.form.guidanceScale)
  const model = useStudioStore(selectedModel)
  const setForm = useStudioStore((s) => s.setForm)
  return (
    <div className="field-row">
      <NumberField
        id="steps"
        label="Steps"
        value={steps}
        min={1}
        max={1000}
        integer
        disabled={disabled}
        onChange={(v) => setForm({ steps: v })}
      />
      {(!model || usesGuidanceScale(model)) && (
        <NumberField
          id="guidance"
          label="Guidance"
          title={
            model?.guidance === 'distilled'
              ? 'Guidance the transformer embeds (guidance-distilled): one call per step, no negative prompt'
              : 'Classifier-free guidance scale'
          }
          value={guidance}
          min={0}
          max={50}
          step={0.5}
          disabled={disabled}
          onChange={(v) => setForm({ guidanceScale: v })}
        />
      )}
      {model?.frames && <FramesField model={model} frames={model.frames} disabled={disabled} />}
      <SizeField model={model} disabled={disabled} />
    </div>
  )
}

function SizeField({ model, disabled }: { model: ModelInfo | null; disabled?: boolean }) {
  if (model?.sizes && !model.sizes.fixed) {
    return (
      <div className="field size-field">
        <span
          className="field-label"
          title={`Multiples of ${model.sizes.multipleOf} up to ${model.sizes.max}; default ${model.output.width}×${model.output.height}`}
        >
          Size
        </span>
        <div className="size-select">
          <SizeAxisSelect model={model} axis="width" disabled={disabled} />
          <span className="dim">×</span>
          <SizeAxisSelect model={model} axis="height" disabled={disabled} />
        </div>
        {model.frames?.fixed !== undefined && (
          <p className="field-hint" data-testid="frames-fixed-note">
            Frames: {model.frames.fixed} only — a graph of this export (e.g. its VAE decoder) is static in
            time.
          </p>
        )}
      </div>
    )
  }
  const fixed = model?.sizes?.fixed
  // Our own packages carry their frame count here; an imported video has its own frames field.
  const ownFrames = model && !model.frames && model.output.frames > 1
  return (
    <div className={fixed ? 'field size-field' : 'field'}>
      <span
        className="field-label"
        title={
          fixed
            ? 'A static export: its graphs were exported at this one size'
            : 'Fixed by the model: its graphs are exported at this size'
        }
      >
        {ownFrames ? 'Size · frames' : 'Size'}
      </span>
      <div className="readout num" data-testid="size-readout">
        {fixed
          ? `${fixed.width}×${fixed.height}`
          : model
            ? `${model.output.width}×${model.output.height}`
            : '—'}
        {ownFrames ? ` · ${model.output.frames}` : ''}
      </div>
      {fixed && (
        <p className="field-hint" data-testid="size-fixed-note">
          Static export: its graphs take {fixed.width}×{fixed.height}
          {model?.frames?.fixed !== undefined ? ` and ${model.frames.fixed} frames` : ''} only; an export with
          dynamic axes makes other sizes.
        </p>
      )}
    </div>
  )
}

function FramesField(props: {
  model: ModelInfo
  frames: NonNullable<ModelInfo['frames']>
  disabled?: boolean
}) {
  const { model, frames, disabled } = props
  const value = useStudioStore((s) => s.form.frames)
  const setForm = useStudioStore((s) => s.setForm)
  return (
    <Field
      id="frames"
      label="Frames"
      title={
        frames.fixed !== undefined
          ? `A static export: its graphs take ${frames.fixed} frames only`
          : `1 + a multiple of ${frames.step} (the VAE's temporal scale), up to ${frames.max}`
      }
    >
      <NumberSelect
        id="frames"
        testId="frames"
        value={value}
        choices={frameChoices(model)}
        disabled={disabled || frames.fixed !== undefined}
        onChange={(v) => setForm({ frames: v })}
      />
    </Field>
  )
}

/** The width or the height, one of the multiples the model's sizes allow. */
function SizeAxisSelect(props: { model: ModelInfo; axis: 'width' | 'height'; disabled?: boolean }) {
  const { model, axis, disabled } = props
  const value = useStudioStore((s) => s.form[axis])
  const setForm = useStudioStore((s) => s.setForm)
  return (
    <NumberSelect
      ariaLabel={axis === 'width' ? 'Width' : 'Height'}
      testId={axis}
      value={value}
      choices={sizeChoices(model, axis)}
      disabled={disabled}
      onChange={(v) => setForm({ [axis]: v })}
    />
  )
}

/** A labelled number a request needs (emptied, it is invalid until filled in). */
function NumberField(props: {
  id: string
  label: string
  title?: string
  value: number
  min: number
  max: number
  integer?: boolean
  step?: number
  disabled?: boolean
  onChange: (value: number) => void
}) {
  const { id, label, title, ...input } = props
  return (
    <Field id={id} label={label} title={title}>
      <NumberInput id={id} empty={Number.NaN} {...input} />
    </Field>
  )
}

/** A field's label over its control (`id` is the control's). */
function Field(props: { id: string; label: string; title?: string; children: ReactNode }) {
  const { id, label, title, children } = props
  return (
    <div className="field">
      <label className="field-label" htmlFor={id} title={title}>
        {label}
      </label>
      {children}
    </div>
  )
}

/** One of the counts a model offers (a size, a frame count). */
function NumberSelect(props: {
  id?: string
  /** Where no label names it (a size's two selects share one). */
  ariaLabel?: string
  testId: string
  value: number | null
  choices: number[]
  disabled?: boolean
  onChange: (value: number) => void
}) {
  const { id, ariaLabel, testId, value, choices, disabled, onChange } = props
  // A count a recipe asked for that the model no longer offers is still shown, so it can be seen and changed.
  const all = value !== null && !choices.includes(value) ? [value, ...choices] : choices
  return (
    <select
      id={id}
      aria-label={ariaLabel}
      data-testid={testId}
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
