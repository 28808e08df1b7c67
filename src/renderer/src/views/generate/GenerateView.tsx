import { CacheChart } from '../../charts/CacheChart'
import { isTraceless, NoTraceNote } from '../../charts/NoTraceNote'
import { SummaryTable } from '../../charts/SummaryTable'
import { useStudioStore } from '../../store'
import { useStudioStorePerFrame } from '../../store/frame-store'
import { displayedRun, measuredSpeedup } from './displayed-run'
import { RecipePanel } from './RecipePanel'
import { RunFacts } from './RunFacts'
import { RunViewer } from './RunViewer'

/** Recipe on the left; the picture, the per-step cache chart and its summary on the right. */
export function GenerateView() {
  // A live run reports a step every few ms: the picture, chart and table draw at most once a frame.
  const run = useStudioStorePerFrame(displayedRun)
  const speedup = useStudioStore((s) => (run?.entry ? measuredSpeedup(s, run.entry) : null))
  const compareWithUncached = useStudioStore((s) => s.compareWithUncached)
  const setView = useStudioStore((s) => s.setView)
  const live = run?.job?.phase === 'running' || run?.job?.phase === 'cancelling'
  const traceless = useStudioStore(
    (s) =>
      run !== null &&
      isTraceless(
        run.entry,
        s.models.find((m) => m.id === s.form.modelId)
      )
  )
  const canCompare = !live && run?.entry?.recipe.cache.enabled === true
  return (
    <div className="view generate-view" data-testid="generate-view">
      <RecipePanel />
      <main className="workspace">
        <div className="workspace-top">
          <RunViewer run={run} />
          <div className="run-side card">
            <div className="card-head">
              <h2>{runTitle(run)}</h2>
              {/* In the head, not under the facts: the next step stays in sight however many facts
                  the run has (they scroll in the 320 px beside the picture). */}
              {canCompare && run?.entry && (
                <button
                  type="button"
                  className="secondary-button"
                  data-testid="compare-uncached"
                  onClick={() => {
                    setView('compare')
                    void compareWithUncached(run.entry!.id)
                  }}
                >
                  Compare with uncached
                </button>
              )}
            </div>
            {run ? (
              <RunFacts run={run} />
            ) : (
              <p className="empty-note">The recipe and times of the run show here.</p>
            )}
            {run?.entry && <p className="prompt-quote">“{run.entry.recipe.prompt}”</p>}
          </div>
        </div>
        <section className="card chart-card">
          <div className="card-head">
            <h2>Cache per step</h2>
            <span className="dim">
              relative L1 distance of the Fn residual · hover a step for its numbers
            </span>
          </div>
          {run && traceless ? (
            <NoTraceNote entry={run.entry} />
          ) : run ? (
            <>
              <CacheChart traces={run.traces} totalSteps={run.totalSteps} warmupSteps={run.warmupSteps} />
              <SummaryTable
                traces={run.traces}
                summary={live ? undefined : run.entry?.summary}
                measuredSpeedup={speedup}
              />
            </>
          ) : (
            <p className="empty-note">The chart fills in step by step while a run is under way.</p>
          )}
        </section>
      </main>
    </div>
  )
}

function runTitle(run: ReturnType<typeof displayedRun>): string {
  if (!run) return 'No run yet'
  if (run.entry) return 'Output'
  switch (run.job?.phase) {
    case 'cancelled':
      return 'Cancelled'
    case 'failed':
      return 'Failed'
    case 'cancelling':
      return 'Cancelling…'
    default:
      return 'Running'
  }
}
