import { useEffect, useState } from 'react'
import type { Settings } from '../../../../shared/settings'
import { AddModelStatus } from '../../components/AddModelStatus'
import { formatBytes } from '../../components/format'
import { useStudioStore } from '../../store'
import { EngineField } from './EngineField'
import { ProviderField } from './ProviderField'

/** Engine (local or a server), provider, output folder, threads (saved by main, validated on both sides) and the model list. */
export function SettingsView() {
  const settings = useStudioStore((s) => s.settings)
  const error = useStudioStore((s) => s.settingsError)
  const savedAt = useStudioStore((s) => s.settingsSavedAt)
  const load = useStudioStore((s) => s.loadSettings)
  useEffect(() => void load(), [load])
  return (
    <div className="view settings-view" data-testid="settings-view">
      <header className="view-header">
        <h1>Settings</h1>
        {savedAt && !error && <span className="saved-mark">Saved</span>}
      </header>
      <div className="view-body settings-body">
        {error && (
          <p className="status-line error" role="alert" data-testid="settings-error">
            {error}
          </p>
        )}
        <EngineField />
        <ProviderField />
        {settings && (
          <FolderAndThreads key={`${settings.outputDir}|${settings.threads}`} settings={settings} />
        )}
        <ModelList />
      </div>
    </div>
  )
}

/** Text fields keep what is typed until saved; a new answer from main (the key) starts them afresh. */
function FolderAndThreads({ settings }: { settings: Settings }) {
  const save = useStudioStore((s) => s.saveSettings)
  const [outputDir, setOutputDir] = useState(settings.outputDir ?? '')
  const [threads, setThreads] = useState(String(settings.threads))
  return (
    <>
      <fieldset className="settings-group">
        <legend>Output folder</legend>
        <div className="input-group">
          <input
            type="text"
            value={outputDir}
            placeholder="Default: the app's data folder"
            spellCheck={false}
            onChange={(e) => setOutputDir(e.target.value)}
          />
          <button
            type="button"
            className="secondary-button"
            onClick={() => void save({ outputDir: outputDir.trim() === '' ? null : outputDir.trim() })}
          >
            Save
          </button>
        </div>
        <p className="field-hint">Where the gallery keeps outputs. Main checks the folder before using it.</p>
      </fieldset>
      <fieldset className="settings-group">
        <legend>Threads</legend>
        <div className="input-group narrow">
          <input
            type="number"
            className="num"
            min={0}
            max={256}
            value={threads}
            data-testid="threads"
            onChange={(e) => setThreads(e.target.value)}
          />
          <button
            type="button"
            className="secondary-button"
            onClick={() => void save({ threads: Number(threads) })}
          >
            Save
          </button>
        </div>
        <p className="field-hint">
          ONNX Runtime intra-op threads; 0 = auto: the layout <code>studio tune-threads</code> measured for
          the model on this machine, else for models that run CFG as two calls two CFG lanes (or, on one core,
          the two calls batched into one). A run's Threads line says which ran.
        </p>
      </fieldset>
    </>
  )
}

function ModelList() {
  const models = useStudioStore((s) => s.models)
  const addModel = useStudioStore((s) => s.addModel)
  const adding = useStudioStore((s) => s.addingModel)
  return (
    <fieldset className="settings-group">
      <legend>Models</legend>
      <table className="data-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Source</th>
            <th className="num">Size</th>
            <th>Folder</th>
          </tr>
        </thead>
        <tbody>
          {models.map((m) => (
            <tr key={m.id}>
              <td>{m.name}</td>
              <td>{m.kind}</td>
              <td>{m.embedded ? 'embedded' : 'added'}</td>
              <td className="num">{formatBytes(m.sizeBytes)}</td>
              <td className="dim ellipsis" title={m.path}>
                {m.path}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="input-group">
        <button
          type="button"
          className="secondary-button"
          onClick={() => void addModel()}
          disabled={adding !== null}
        >
          Add model folder…
        </button>
      </div>
      <AddModelStatus />
    </fieldset>
  )
}
