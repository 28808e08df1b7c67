import type { EngineState } from '../../../shared/engine-status'
import type { RemoteEngineStatus, RemoteState } from '../../../shared/remote-engine'
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

const REMOTE_LABELS: Record<RemoteState, string> = {
  connecting: 'Remote engine: connecting…',
  ready: 'Remote engine ready',
  busy: 'Remote engine busy',
  lost: 'Remote engine: connection lost',
  refused: 'Remote engine: not usable'
}

/** The dot's colour: a remote state drawn as the local state it reads like. */
const REMOTE_LOOK: Record<RemoteState, EngineState> = {
  connecting: 'starting',
  ready: 'ready',
  busy: 'busy',
  lost: 'crashed',
  refused: 'crashed'
}

/**
 * The engine in use, always in view: this app's engine (what it runs on, why it failed when it
 * did), or, while Settings → Engine is remote, the server: where it is, whether it answers, what
 * it runs and how many jobs it has, and a lost connection plainly. This app's engine is then
 * named beside it only for compare, whose metrics it still computes.
 */
export function StatusBar(): React.JSX.Element {
  const remote = useStudioStore((s) => s.engine?.remote ?? null)
  return <footer className="statusbar">{remote ? <RemoteStatus remote={remote} /> : <LocalStatus />}</footer>
}

function LocalStatus(): React.JSX.Element {
  const state = useStudioStore(engineState)
  const engine = useStudioStore((s) => s.engine)
  const callError = useStudioStore((s) => s.engineCallError)
  const error = engine?.error ?? callError
  return (
    <>
      <span className={`engine-status engine-${state}`} data-testid="engine-status" data-state={state}>
        <span className="engine-dot" aria-hidden="true" />
        {LABELS[state]}
      </span>
      {engine?.version && <span className="status-item">engine {engine.version}</span>}
      {engine && engine.providers.length > 0 && (
        <span className="status-item">providers: {engine.providers.join(', ')}</span>
      )}
      {engine && engine.restarts > 0 && <span className="status-item">restarted {engine.restarts}×</span>}
      {error && (
        <span className="status-error" title={error}>
          {error}
        </span>
      )}
      <RestartButton />
    </>
  )
}

function RemoteStatus({ remote }: { remote: RemoteEngineStatus }): React.JSX.Element {
  const local = useStudioStore(engineState)
  const gone = remote.state === 'lost' || remote.state === 'refused'
  return (
    <>
      <span
        className={`engine-status engine-${REMOTE_LOOK[remote.state]}`}
        data-testid="engine-status"
        data-state={remote.state}
        data-engine="remote"
      >
        <span className="engine-dot" aria-hidden="true" />
        {REMOTE_LABELS[remote.state]}
      </span>
      <span className="status-item" data-testid="engine-remote-host" title={remote.url}>
        on {hostOf(remote.url)}
      </span>
      {remote.server && (
        <span className="status-item" data-testid="engine-remote-server">
          {remote.server === 'studio'
            ? `studio serve ${remote.version ?? ''}${remote.mode === 'farm' ? ' (farm)' : ''}`.trim()
            : 'OpenAI Images API server'}
        </span>
      )}
      {!gone && remote.jobs && (
        <span className="status-item" data-testid="engine-remote-jobs">
          {remote.jobs.running} running, {remote.jobs.queued} queued (runs {remote.jobs.capacity} at once)
        </span>
      )}
      {gone && remote.error && (
        <span className="status-error" role="status" data-testid="engine-remote-error" title={remote.error}>
          {remote.error}
          {remote.state === 'lost' &&
            remote.lastSeen !== null &&
            ` · last answered ${clock(remote.lastSeen)}`}
        </span>
      )}
      <span className="status-item" data-testid="engine-local-status" data-state={local}>
        compare on this machine: {LABELS[local].toLowerCase()}
      </span>
      <RestartButton />
    </>
  )
}

function RestartButton(): React.JSX.Element | null {
  const canRestart = useStudioStore(canRestartEngine)
  const restartEngine = useStudioStore((s) => s.restartEngine)
  if (!canRestart) return null
  return (
    <button type="button" className="status-button" onClick={() => void restartEngine()}>
      Restart engine
    </button>
  )
}

/** `gpu-box:8420` of `http://gpu-box:8420`: the full URL is the item's title. */
function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

const clock = (ms: number): string => new Date(ms).toLocaleTimeString('en-GB', { hour12: false })
