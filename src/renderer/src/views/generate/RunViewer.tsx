import { useMemo } from 'react'
import { EntryCanvas, PlaybackBar, usePlayback } from '../../components/FramePlayer'
import { PixelCanvas } from '../../components/PixelCanvas'
import { ProgressBar } from '../../components/ProgressBar'
import type { DisplayedRun } from './displayed-run'

/** The big picture: the live preview of the latest step while running, the output once done. */
export function RunViewer({ run }: { run: DisplayedRun | null }) {
  const job = run?.job ?? null
  const live = job !== null && (job.phase === 'running' || job.phase === 'cancelling')
  const preview = job?.preview ?? null
  const source = useMemo(
    () => (preview ? { rgba: preview.pixels, width: preview.width, height: preview.height } : null),
    [preview]
  )
  const playback = usePlayback(run?.entry?.frames ?? 1, run?.entry?.fps ?? 8)
  return (
    <div className="viewer card">
      <div className="viewer-stage checker">
        {run?.entry && !live ? (
          <EntryCanvas
            entry={run.entry}
            frame={playback.frame}
            testId="output-image"
            className="stage-canvas"
          />
        ) : source ? (
          <PixelCanvas
            source={source}
            testId="live-preview"
            className="stage-canvas"
            label="Preview of the latest step"
          />
        ) : (
          <div className="stage-empty">
            {live ? <span className="spinner" /> : null}
            <span>{live ? 'Waiting for the first step…' : 'Your output appears here'}</span>
            {!live && <span className="dim">Pick a prompt and press Generate (Ctrl/⌘ + Enter)</span>}
          </div>
        )}
        {live && preview && <span className="stage-badge">preview · step {job.step}</span>}
      </div>
      {live && job && (
        <ProgressBar
          step={job.step}
          total={job.totalSteps}
          elapsedMs={job.elapsedMs}
          etaMs={job.etaMs}
          label={job.phase === 'cancelling' ? 'Cancelling' : 'Denoising'}
        />
      )}
      {!live && run?.entry && <PlaybackBar playback={playback} />}
      {job?.phase === 'cancelled' && (
        <p className="status-line warn" data-testid="run-cancelled">
          Cancelled at step {job.step} of {job.totalSteps}
        </p>
      )}
      {job?.phase === 'failed' && (
        <p className="status-line error" role="alert" data-testid="run-error">
          {job.error}
        </p>
      )}
    </div>
  )
}
