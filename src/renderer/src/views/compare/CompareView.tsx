import { useMemo } from 'react'
import { CacheChart } from '../../charts/CacheChart'
import { StepTimeChart } from '../../charts/StepTimeChart'
import { EntryCanvas, PlaybackBar, usePlayback } from '../../components/FramePlayer'
import { PixelCanvas } from '../../components/PixelCanvas'
import { ProgressBar } from '../../components/ProgressBar'
import type { GalleryEntry } from '../../../../shared/gallery'
import { presetById } from '../../../../shared/presets'
import { useStudioStore } from '../../store'
import { CompareMetrics } from './CompareMetrics'
import { ComparePicker } from './ComparePicker'
import { CompareVideos } from './CompareVideos'
import { useSyncedZoom } from './zoom'
import { ZoomPane } from './ZoomPane'

/** Cached and uncached side by side with their difference, synced zoom and playback, metrics and both charts. */
export function CompareView() {
  const compare = useStudioStore((s) => s.compare)
  const cached = useStudioStore((s) =>
    s.compare.cachedId ? (s.loadedEntries[s.compare.cachedId] ?? null) : null
  )
  const uncached = useStudioStore((s) =>
    s.compare.uncachedId ? (s.loadedEntries[s.compare.uncachedId] ?? null) : null
  )
  const { zoom, setZoom, reset } = useSyncedZoom()
  const playback = usePlayback(cached?.frames ?? 1, cached?.fps ?? 8)
  const result = compare.phase === 'ready' ? compare.result : null
  const heatmap = useMemo(() => {
    if (!result || !cached) return null
    const size = cached.width * cached.height * 4
    return {
      rgba: result.heatmap.subarray(playback.frame * size, (playback.frame + 1) * size),
      width: cached.width,
      height: cached.height
    }
  }, [result, cached, playback.frame])
  const pane = { zoom, onZoom: setZoom, onReset: reset }
  // A run's pane: its frame, zoomed and panned with the others.
  const runPane = (run: GalleryEntry, side: 'cached' | 'uncached', title: string, subtitle: string) => (
    <ZoomPane title={title} subtitle={subtitle} testId={`pane-${side}`} {...pane}>
      <EntryCanvas entry={run} frame={playback.frame} testId={`compare-${side}`} />
    </ZoomPane>
  )
  return (
    <div className="view compare-view" data-testid="compare-view">
      <header className="view-header">
        <h1>Compare</h1>
        <ComparePicker />
      </header>
      <div className="view-body">
        {compare.phase === 'idle' && (
          <p className="empty-note">
            Pick a cached run: one click runs the same recipe without the cache (or reuses a stored uncached
            run) and measures the difference.
          </p>
        )}
        {compare.phase === 'generating-uncached' && (
          <div className="card pad">
            <ProgressBar
              step={compare.step}
              total={compare.totalSteps}
              elapsedMs={compare.elapsedMs}
              etaMs={compare.etaMs}
              label="Generating the uncached reference"
            />
          </div>
        )}
        {compare.phase === 'comparing' && (
          <p className="status-line">
            <span className="spinner" /> Measuring PSNR, SSIM and the difference…
          </p>
        )}
        {compare.phase === 'failed' && (
          <p className="status-line error" role="alert" data-testid="compare-error">
            {compare.error}
          </p>
        )}
        {compare.phase === 'cancelled' && <p className="status-line warn">The uncached run was cancelled.</p>}
        {result && cached && uncached && (
          <>
            <CompareMetrics result={result} cached={cached} uncached={uncached} frame={playback.frame} />
            <div className="compare-panes">
              {runPane(
                cached,
                'cached',
                `Cached · ${presetById(cached.recipe.preset).label}`,
                `${cached.width}×${cached.height}`
              )}
              {runPane(uncached, 'uncached', 'Uncached', compare.reusedUncached ? 'stored run' : 'new run')}
              <ZoomPane
                title="Difference"
                subtitle={`max ${result.heatmapMax.toFixed(1)} / 255`}
                testId="pane-diff"
                {...pane}
              >
                <PixelCanvas source={heatmap} testId="compare-heatmap" label="Difference heatmap" />
              </ZoomPane>
            </div>
            <div className="compare-tools">
              <PlaybackBar playback={playback} />
              <span className="dim">
                Scroll to zoom, drag to pan, double-click to reset — all panes follow.
              </span>
              <HeatScale max={result.heatmapMax} />
            </div>
            {cached.kind === 'video' && (
              <CompareVideos
                cached={cached}
                uncached={uncached}
                playing={playback.playing}
                frame={playback.frame}
              />
            )}
            <div className="compare-charts">
              <section className="card chart-card">
                <div className="card-head">
                  <h2>Cache per step · cached run</h2>
                </div>
                <CacheChart
                  traces={cached.trace}
                  totalSteps={cached.recipe.steps}
                  warmupSteps={cached.recipe.cache.maxWarmupSteps}
                  height={170}
                />
              </section>
              <section className="card chart-card">
                <div className="card-head">
                  <h2>Time per step (ms)</h2>
                  {/* Short enough for the card head at 1024 px; the reason in full on hover. */}
                  <span
                    className="dim"
                    title="The uncached run computes every block, so it has no cache chart"
                  >
                    uncached computes every block
                  </span>
                </div>
                <StepTimeChart
                  runs={[
                    {
                      label: `cached · ${presetById(cached.recipe.preset).label}`,
                      color: 'var(--cached)',
                      perStepMs: cached.timings.perStepMs
                    },
                    { label: 'uncached', color: '#8b93a1', perStepMs: uncached.timings.perStepMs }
                  ]}
                />
              </section>
            </div>
          </>
        )}
      </div>
    </div>
  )
}

function HeatScale({ max }: { max: number }) {
  return (
    <span className="heat-scale">
      <span className="num dim">0</span>
      <i />
      <span className="num dim">{max.toFixed(0)}</span>
    </span>
  )
}
