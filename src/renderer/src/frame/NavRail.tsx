import { useStudioStore } from '../store'
import type { StudioView } from '../store/slices/types'

const ITEMS: { view: StudioView; label: string; icon: string }[] = [
  { view: 'generate', label: 'Generate', icon: '✦' },
  { view: 'compare', label: 'Compare', icon: '◐' },
  { view: 'gallery', label: 'Gallery', icon: '▦' },
  { view: 'settings', label: 'Settings', icon: '⚙' }
]

export function NavRail(): React.JSX.Element {
  const current = useStudioStore((s) => s.view)
  const setView = useStudioStore((s) => s.setView)
  return (
    <nav className="nav" aria-label="Views">
      {ITEMS.map(({ view, label, icon }) => (
        <button
          key={view}
          type="button"
          className={view === current ? 'nav-item active' : 'nav-item'}
          aria-current={view === current ? 'page' : undefined}
          onClick={() => setView(view)}
        >
          <span className="nav-icon" aria-hidden="true">
            {icon}
          </span>
          {label}
        </button>
      ))}
    </nav>
  )
}
