import type { ReactNode } from 'react'

/**
 * A button whose action takes a while: disabled until the action settles, and saying meanwhile
 * what is under way ("Testing…") in place of what it does ("Test connection"). `pending` comes
 * from whoever knows (the store for a run being cancelled, the form for a connection test).
 */
export function PendingButton(props: {
  className: string
  testId: string
  pending: boolean
  label: string
  pendingLabel: string
  onClick: () => Promise<unknown>
  /** Shown after the label in both states (a shortcut's key). */
  children?: ReactNode
}) {
  const { className, testId, pending, label, pendingLabel, onClick, children } = props
  return (
    <button
      type="button"
      className={className}
      data-testid={testId}
      disabled={pending}
      onClick={() => void onClick()}
    >
      {pending ? pendingLabel : label}
      {children}
    </button>
  )
}
