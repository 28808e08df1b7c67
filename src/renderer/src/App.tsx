import { NavRail } from './frame/NavRail'
import { NoticeBar } from './frame/NoticeBar'
import { StatusBar } from './frame/StatusBar'
import { TitleBar } from './frame/TitleBar'
import { useStudioShortcuts } from './components/useStudioShortcuts'
import { useStudioStore } from './store'
import { ViewPanel } from './views/ViewPanel'

/** The app frame: title bar, navigation, the current view, and the engine's status. */
export function App(): React.JSX.Element {
  const view = useStudioStore((s) => s.view)
  useStudioShortcuts()
  return (
    <div className="app">
      <TitleBar />
      <NavRail />
      <main className="panel" aria-label={view}>
        <ViewPanel view={view} />
      </main>
      <StatusBar />
      <NoticeBar />
    </div>
  )
}
