import { useStudioStore } from '../store'

/** Problems main found in the user's files (a settings file or gallery entry set aside), one line each. */
export function NoticeBar(): React.JSX.Element | null {
  const notices = useStudioStore((s) => s.notices)
  const dismiss = useStudioStore((s) => s.dismissNotice)
  if (notices.length === 0) return null
  return (
    <div className="notice-bar" role="status" data-testid="notices">
      {notices.map((line) => (
        <p key={line} className="notice-line">
          <span className="notice-text">{line}</span>
          <button type="button" className="status-button" onClick={() => dismiss(line)}>
            Dismiss
          </button>
        </p>
      ))}
    </div>
  )
}
