import { presetById } from '../../../../shared/presets'
import { formatDate } from '../../components/format'
import { useStudioStore } from '../../store'
import { isComparing } from '../../store/slices/compare'

/** Which cached run to compare, and the one button that does the rest. */
export function ComparePicker() {
  const entries = useStudioStore((s) => s.entries)
  const compare = useStudioStore((s) => s.compare)
  const busy = useStudioStore(isComparing)
  const run = useStudioStore((s) => s.compareWithUncached)
  const cancel = useStudioStore((s) => s.cancelCompare)
  const cachedRuns = entries.filter((e) => e.recipe.cache.enabled)
  const current = compare.cachedId ?? cachedRuns[0]?.id ?? ''
  return (
    <div className="compare-picker">
      <select
        aria-label="Cached run"
        data-testid="compare-run-select"
        value={current}
        disabled={busy || cachedRuns.length === 0}
        onChange={(e) => void run(e.target.value)}
      >
        {cachedRuns.length === 0 && (
          <option value="">No cached runs yet — generate one with a cache preset</option>
        )}
        {cachedRuns.map((e) => (
          <option key={e.id} value={e.id}>
            {presetById(e.recipe.preset).label} · seed {e.recipe.seed} · {e.recipe.prompt} ·{' '}
            {formatDate(e.createdAt)}
          </option>
        ))}
      </select>
      {busy && compare.phase === 'generating-uncached' ? (
        <button type="button" className="secondary-button" onClick={() => void cancel()}>
          Cancel <kbd>Esc</kbd>
        </button>
      ) : (
        <button
          type="button"
          className="primary-button compact"
          data-testid="run-compare"
          disabled={busy || !current}
          onClick={() => void run(current)}
        >
          Compare with uncached
        </button>
      )}
    </div>
  )
}
