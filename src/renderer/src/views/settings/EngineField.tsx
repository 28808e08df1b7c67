import { useEffect, useState } from 'react'
import type { EngineInfo, EngineProbe, SetEngine } from '../../../../shared/engine-endpoint'
import { SetEngineSchema, TestEngineSchema } from '../../../../shared/engine-endpoint'
import { describeIssues } from '../../../../shared/validation'
import { PendingButton } from '../../components/PendingButton'
import { useStudioStore } from '../../store'
import { errorText, unwrap } from '../../../../shared/failure'

/**
 * Settings → Engine: this app's engine, or a server (a `studio serve`, or any server speaking
 * OpenAI's Images API) by URL and bearer token. The token is sent to main once and kept there,
 * encrypted; this form only learns whether one is saved. Saving switches the engine at once: the
 * model list is read again from the engine now in use.
 */
export function EngineField() {
  const [info, setInfo] = useState<EngineInfo | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    unwrap(window.studio.getEngine()).then(setInfo, (e: unknown) => setError(errorText(e)))
  }, [])
  return (
    <fieldset className="settings-group" data-testid="engine-field">
      <legend>Engine</legend>
      {info ? (
        <EngineForm key={JSON.stringify(info)} info={info} onSaved={setInfo} />
      ) : (
        error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )
      )}
    </fieldset>
  )
}

function EngineForm({ info, onSaved }: { info: EngineInfo; onSaved: (info: EngineInfo) => void }) {
  const loadModels = useStudioStore((s) => s.loadModels)
  const loadSettings = useStudioStore((s) => s.loadSettings)
  const [mode, setMode] = useState(info.engine.mode)
  const [url, setUrl] = useState(info.engine.mode === 'remote' ? info.engine.url : '')
  const [token, setToken] = useState('')
  const [probe, setProbe] = useState<EngineProbe | null>(null)
  const [testing, setTesting] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const server = { url: url.trim(), ...(token.trim() ? { token: token.trim() } : {}) }

  const test = async () => {
    setProbe(null)
    const checked = TestEngineSchema.safeParse(server)
    if (!checked.success) return setError(describeIssues('engine', checked.error))
    setTesting(true)
    try {
      setProbe(await unwrap(window.studio.testEngine(checked.data)))
      setError(null)
    } catch (e) {
      setError(errorText(e))
    } finally {
      setTesting(false)
    }
  }

  const save = async () => {
    const choice: SetEngine = mode === 'local' ? { mode } : { mode, ...server }
    const checked = SetEngineSchema.safeParse(choice)
    if (!checked.success) return setError(describeIssues('engine', checked.error))
    try {
      const saved = await unwrap(window.studio.setEngine(checked.data))
      setError(null)
      onSaved(saved)
      void loadSettings()
      void loadModels()
    } catch (e) {
      setError(errorText(e))
    }
  }

  return (
    <>
      <div className="provider-list" role="radiogroup">
        <label className={`provider ${mode === 'local' ? 'on' : ''}`}>
          <input type="radio" name="engine" checked={mode === 'local'} onChange={() => setMode('local')} />
          <span className="provider-name">Local</span>
          <span className="provider-note dim">This app's engine, on this machine</span>
        </label>
        <label className={`provider ${mode === 'remote' ? 'on' : ''}`}>
          <input
            type="radio"
            name="engine"
            data-testid="engine-remote"
            checked={mode === 'remote'}
            onChange={() => setMode('remote')}
          />
          <span className="provider-name">Remote</span>
          <span className="provider-note dim">A studio serve, or an OpenAI Images API server</span>
        </label>
      </div>
      {mode === 'remote' && (
        <div className="engine-remote-fields">
          <input
            type="text"
            inputMode="url"
            value={url}
            placeholder="http://gpu-box:8420"
            spellCheck={false}
            aria-label="Server URL"
            data-testid="engine-url"
            onChange={(e) => setUrl(e.target.value)}
          />
          <input
            type="password"
            value={token}
            placeholder={info.tokenSaved ? 'Token saved (leave empty to keep it)' : 'Bearer token'}
            autoComplete="off"
            aria-label="Server token"
            data-testid="engine-token"
            onChange={(e) => setToken(e.target.value)}
          />
          <p className="field-hint">
            {info.tokenStorage === 'encrypted'
              ? 'The token is kept encrypted by the operating system, not in the settings file.'
              : 'This system offers no encrypted storage: the token is kept until the app quits.'}
          </p>
        </div>
      )}
      <div className="input-group">
        {mode === 'remote' && (
          <PendingButton
            className="secondary-button"
            testId="engine-test"
            pending={testing}
            label="Test connection"
            pendingLabel="Testing…"
            onClick={test}
          />
        )}
        <button
          type="button"
          className="secondary-button"
          data-testid="engine-save"
          onClick={() => void save()}
        >
          Save
        </button>
        <span className="dim engine-current" data-testid="engine-current">
          In use: {info.engine.mode === 'local' ? 'local engine' : info.engine.url}
        </span>
      </div>
      {probe && <ProbeResult probe={probe} />}
      {error && (
        <p className="field-error" role="alert" data-testid="engine-error">
          {error}
        </p>
      )}
    </>
  )
}

function ProbeResult({ probe }: { probe: EngineProbe }) {
  return (
    <div className="engine-probe" data-testid="engine-probe" data-server={probe.server}>
      <p className="field-hint">
        {probe.server === 'studio'
          ? `Connected: studio serve ${probe.version ?? ''}, with live progress, cache trace and cancel.`
          : 'Connected: a plain OpenAI Images API server. It sends the image only: no live progress and no per-step cache trace, so no cache chart.'}
      </p>
      <ul className="engine-models">
        {probe.models.map((m) => (
          <li key={m.id}>
            <span>{m.name}</span> <span className="dim">{m.id}</span>{' '}
            <span className={`tag ${m.kind}`}>{m.kind}</span>
          </li>
        ))}
        {probe.models.length === 0 && <li className="dim">The server lists no models.</li>}
      </ul>
    </div>
  )
}
