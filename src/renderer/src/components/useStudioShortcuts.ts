import { useEffect } from 'react'
import { useStudioStore } from '../store'
import { whyEngineCannotRun } from '../store/selectors'
import { isComparing } from '../store/slices/compare'
import { isGenerating } from '../store/slices/generation'

/** Ctrl/Cmd+Enter generates (from any view: the result shows in Generate); Esc cancels what is running. */
export function useStudioShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const s = useStudioStore.getState()
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault()
        if (isGenerating(s) || whyEngineCannotRun(s)) return
        if (s.view !== 'generate') s.setView('generate')
        void s.generate()
      } else if (e.key === 'Escape') {
        if (isGenerating(s)) void s.cancelGenerate()
        else if (isComparing(s)) void s.cancelCompare()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}
