import { CacheChart } from '../../charts/CacheChart'
import { SummaryTable } from '../../charts/SummaryTable'
import { EntryCanvas, PlaybackBar, usePlayback } from '../../components/FramePlayer'
import { useStudioStore } from '../../store'
import { selectedRun } from '../../store/slices/gallery'
import { isGenerating } from '../../store/slices/generation'
import { measuredSpeedup } from '../generate/displayed-run'
import { RecipeTable } from './RecipeTable'

/** The selected output: picture, recipe, chart and summary, and what can be done with it. */
export function GalleryDetail() {
  const entry = useStudioStore(selectedRun)
  const busy = useStudioStore(isGenerating)
  const speedup = useStudioStore((s) => (entry ? measuredSpeedup(s, entry) : null))
  const playback = usePlayback(entry?.frames ?? 1, entry?.fps ?? 8)
  const s = useStudioStore.getState
  if (!entry)
    return (
      <aside className="gallery-detail empty-note">
        Select an output to see its recipe, chart and summary.
      </aside>
    )
  const reopen = (): void => {
    s().loadRecipe(entry.recipe)
    s().setView('generate')
  }
  return (
    <aside className="gallery-detail" data-testid="gallery-detail">
      <div className="detail-stage checker">
        <EntryCanvas entry={entry} frame={playback.frame} className="stage-canvas" testId="gallery-image" />
      </div>
      <PlaybackBar playback={playback} />
      <div className="detail-actions">
        <button
          type="button"
          className="secondary-button"
          disabled={busy}
          onClick={reopen}
          title="Show it in the generate view with its recipe loaded"
        >
          Reopen
        </button>
        <button
          type="button"
          className="secondary-button"
          disabled={busy}
          data-testid="rerun"
          onClick={() => {
            reopen()
            void s().generate()
          }}
        >
          Re-run
        </button>
        <button
          type="button"
          className="secondary-button"
          disabled={!entry.recipe.cache.enabled}
          title={
            entry.recipe.cache.enabled ? 'Compare with the same recipe uncached' : 'This run is uncached'
          }
          onClick={() => {
            s().setView('compare')
            void s().compareWithUncached(entry.id)
          }}
        >
          Compare
        </button>
        <button type="button" className="secondary-button" onClick={() => void s().exportEntry(entry.id)}>
          Export…
        </button>
        <button
          type="button"
          className="danger-button"
          data-testid="delete"
          onClick={() => void s().deleteEntry(entry.id)}
        >
          Delete
        </button>
      </div>
      <RecipeTable entry={entry} />
      <div className="detail-chart">
        <CacheChart
          traces={entry.trace}
          totalSteps={entry.recipe.steps}
          warmupSteps={entry.recipe.cache.enabled ? entry.recipe.cache.maxWarmupSteps : 0}
          height={150}
        />
        <SummaryTable traces={entry.trace} summary={entry.summary} measuredSpeedup={speedup} />
      </div>
    </aside>
  )
}
