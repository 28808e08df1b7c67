import type { ReactNode } from 'react'
import { InfoTip } from './InfoTip'

/**
 * One choice of a radio group drawn as a button, with what it does on hover (the preset picker's
 * presets and calibrated presets). `look` names the CSS pair: `segment` / `segment on`, `chip` /
 * `chip active`.
 */
export function ExplainedRadio({
  on,
  look,
  description,
  disabled,
  data,
  onPick,
  children
}: {
  on: boolean
  look: 'segment' | 'chip'
  description: string
  disabled?: boolean
  /** data-* attributes the e2e tests find the choice by. */
  data: Record<`data-${string}`, string>
  onPick: () => void
  children: ReactNode
}) {
  const className = on ? (look === 'segment' ? 'segment on' : 'chip active') : look
  return (
    <InfoTip text={description}>
      <button
        type="button"
        role="radio"
        aria-checked={on}
        className={className}
        disabled={disabled}
        {...data}
        onClick={onPick}
      >
        {children}
      </button>
    </InfoTip>
  )
}
