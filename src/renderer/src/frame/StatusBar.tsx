import { useStudioStore } from '../store'
import { canRestartEngine, engineState } from '../store/selectors'

const LABELS = {
  starting: 'Engine starting…',
  ready: 'Engine ready',
  busy: 'Engine busy',
  crashed: 'Engine crashed',
  restarting: 'Engine restarting…',
  stopped: 'Engine stopped'
} as const

/** The engine's state, always in view: what it runs on, and why it failed when it did. */
export function StatusBar(): React.JSX.Element {
  const state = useStudioStore(engineState)
  const engine = useStudioStore((s) => s.engine)
  const canRestart = useStudioStore(canRestartEngine)
  const restartEngine = useStudioStore((s) => s.restartEngine)
  const callError = useStudioStore((s) => s.engineCallError)
  const error = engine?.error ?? callError
  // Settings → Engine: generations run on a server; the state beside it is this app's own engine.
  const remote = useStudioStore((s) => (s.settings?.engine.mode === 'remote' ? s.settings.engine.url : null))
  return (
    <footer className="statusbar">
      <span className={`engine-status engine-${state}`} data-testid="engine-status" data-state={state}>
        <span className="engine-dot" aria-hidden="true" />
        {LABELS[state]}
      </span>
      {engine?.version && <span className="status-item">engine {engine.version}</span>}
      {remote && (
        <span className="status-item" data-testid="engine-remote-status">
          generating on {remote}
        </span>
      )}
      {engine && engine.providers.length > 0 && (
        <span className="status-item">providers: {engine.providers.join(', ')}</span>
      )}
      {engine && engine.restarts > 0 && <span className="status-item">restarted {engine.restarts}×</span>}
      {error && (
        <span className="status-error" title={error}>
          {error}
        </span>
      )}
      {canRestart && (
        <button type="button" className="status-button" onClick={() => void restartEngine()}>
          Restart engine
        </button>
      )}
    </footer>
  )
}
