import { useId, useState, type ReactNode } from 'react'

/** A small ⓘ that explains a control on hover or focus; the text is also the control's description. */
export function InfoTip({ text, children }: { text: string; children?: ReactNode }) {
  const id = useId()
  const [open, setOpen] = useState(false)
  return (
    <span
      className="info-tip"
      onMouseEnter={() => setOpen(true)}
      onMouseLeave={() => setOpen(false)}
      onFocus={() => setOpen(true)}
      onBlur={() => setOpen(false)}
    >
      {children ?? (
        <span className="info-tip-icon" tabIndex={0} aria-describedby={id}>
          i
        </span>
      )}
      <span id={id} role="tooltip" className={open ? 'info-tip-body open' : 'info-tip-body'}>
        {text}
      </span>
    </span>
  )
}
