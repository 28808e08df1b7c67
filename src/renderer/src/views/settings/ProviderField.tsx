import { PROVIDERS, type Provider } from '../../../../shared/providers'
import { useStudioStore } from '../../store'

const NAMES: Record<Provider, string> = {
  auto: 'Auto',
  cpu: 'CPU',
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'Core ML'
}
const NOTES: Record<Provider, string> = {
  auto: 'The best provider this machine offers',
  cpu: 'Works everywhere',
  cuda: 'NVIDIA GPUs (Linux, Windows)',
  dml: 'DirectX 12 GPUs (Windows)',
  coreml: 'Apple Neural Engine and GPU (macOS)'
}

/** Execution provider, with what this machine's ONNX Runtime actually offers marked. */
export function ProviderField() {
  const current = useStudioStore((s) => s.settings?.provider ?? 'auto')
  const available = useStudioStore((s) => s.availableProviders)
  const save = useStudioStore((s) => s.saveSettings)
  return (
    <fieldset className="settings-group" data-testid="provider-field">
      <legend>Execution provider</legend>
      <div className="provider-list" role="radiogroup">
        {PROVIDERS.map((p) => {
          const ok = p === 'auto' || available.includes(p)
          return (
            <label key={p} className={`provider ${current === p ? 'on' : ''} ${ok ? '' : 'unavailable'}`}>
              <input
                type="radio"
                name="provider"
                value={p}
                checked={current === p}
                disabled={!ok}
                onChange={() => void save({ provider: p })}
              />
              <span className="provider-name">{NAMES[p]}</span>
              <span className="provider-note dim">{ok ? NOTES[p] : 'Not available on this machine'}</span>
              {ok && p !== 'auto' && <span className="tag accent">available</span>}
            </label>
          )
        })}
      </div>
    </fieldset>
  )
}
