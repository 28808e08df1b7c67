import { useEffect } from 'react'
import { useStudioStore } from '../../store'

/** How long the undo offer stays up; main keeps the trash until the next start either way. */
const UNDO_MS = 8000

/** "Deleted … Undo", for a few seconds after a delete. */
export function UndoToast() {
  const deleted = useStudioStore((s) => s.lastDeleted)
  const undo = useStudioStore((s) => s.undoDelete)
  useEffect(() => {
    if (!deleted) return
    const t = window.setTimeout(() => useStudioStore.setState({ lastDeleted: null }), UNDO_MS)
    return () => window.clearTimeout(t)
  }, [deleted])
  if (!deleted) return null
  return (
    <div className="toast" role="status" data-testid="undo-toast">
      <span>Deleted “{deleted.recipe.prompt || deleted.id}”</span>
      <button type="button" className="link-button" data-testid="undo" onClick={() => void undo()}>
        Undo
      </button>
    </div>
  )
}
