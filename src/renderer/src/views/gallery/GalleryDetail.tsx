import { useState } from 'react'
import { CacheChart } from '../../charts/CacheChart'
import { SummaryTable } from '../../charts/SummaryTable'
import { EntryCanvas, PlaybackBar, usePlayback } from '../../components/FramePlayer'
import { formatBytes } from '../../components/format'
import { useStudioStore } from '../../store'
import { selectedRun } from '../../store/slices/gallery'
import { isGenerating } from '../../store/slices/generation'
import { measuredSpeedup } from '../generate/displayed-run'
import { EntryVideo, entryVideoFile } from './EntryVideo'
import { RecipeTable } from './RecipeTable'

/** The selected output: picture, recipe, chart and summary, and what can be done with it. */
export function GalleryDetail() {
  const entry = useStudioStore(selectedRun)
  const busy = useStudioStore(isGenerating)
  const speedup = useStudioStore((s) => (entry ? measuredSpeedup(s, entry) : null))
  const playback = usePlayback(entry?.frames ?? 1, entry?.fps ?? 8)
  // A video shows its saved WebM; "Frames" shows the exact PNG frames with the frame scrubber.
  const [showFrames, setShowFrames] = useState(false)
  const hasEntries = useStudioStore((st) => st.entries.length > 0)
  const s = useStudioStore.getState
  if (!entry)
    return (
      <aside className="gallery-detail empty-note">
        {/* With nothing in the gallery there is nothing to select: say what will show here. */}
        {hasEntries
          ? 'Select an output to see its recipe, chart and summary.'
          : 'An output you select shows here with its recipe, chart and summary.'}
      </aside>
    )
  const video = entryVideoFile(entry)
  const reopen = (): void => {
    s().loadRecipe(entry.recipe)
    s().setView('generate')
  }
  return (
    <aside className="gallery-detail" data-testid="gallery-detail">
      {video && !showFrames ? (
        <div className="detail-stage checker">
          <EntryVideo key={entry.id} entry={entry} className="stage-canvas" testId="gallery-video" />
        </div>
      ) : (
        <>
          <div className="detail-stage checker">
            <EntryCanvas
              entry={entry}
              frame={playback.frame}
              className="stage-canvas"
              testId="gallery-image"
            />
          </div>
          <PlaybackBar playback={playback} />
        </>
      )}
      {video && (
        <div className="video-file-line dim">
          <span className="num">
            {video.name} · VP9 · {formatBytes(video.bytes.length)}
          </span>
          <button
            type="button"
            className="link-button"
            data-testid="toggle-frames"
            onClick={() => setShowFrames(!showFrames)}
          >
            {showFrames ? 'Play the video file' : 'Step through the exact frames'}
          </button>
        </div>
      )}
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
