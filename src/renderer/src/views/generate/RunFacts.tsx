import type { Timings } from '../../../../shared/generation'
import { presetById } from '../../../../shared/presets'
import { formatMs } from '../../components/format'
import { useStudioStore } from '../../store'
import type { DisplayedRun } from './displayed-run'

/** The run's recipe and times in a compact key/value list beside the picture. */
export function RunFacts({ run }: { run: DisplayedRun }) {
  const e = run.entry
  const request = run.job?.request
  // A live run names its model as the saved entry will (its name, not the id the request carries),
  // so the Model row does not change from "shapes-flux-tiny" to "Shapes FLUX (tiny)" at the end.
  const modelName = useStudioStore((s) => s.models.find((m) => m.id === request?.model)?.name)
  const rows: [string, string][] = e
    ? [
        ['Model', e.recipe.modelName],
        ['Seed', String(e.recipe.seed)],
        ['Steps', String(e.recipe.steps)],
        ['Guidance', guidanceText(e.recipe.guidanceScale, e.recipe.guidanceScale2)],
        ['Cache', presetById(e.recipe.preset).label],
        ['Provider', e.recipe.provider],
        ...(e.timings.threadLayout
          ? ([['Threads', layoutText(e.timings.threadLayout)]] as [string, string][])
          : []),
        ['Total', formatMs(e.timings.totalMs)],
        // Compiling segments, creating sessions, their first runs: once per model and preset.
        ['Preparation', e.timings.prepareMs === undefined ? 'not timed' : formatMs(e.timings.prepareMs)],
        ['Denoise', formatMs(e.timings.denoiseMs)],
        ['Per step', formatMs(e.timings.denoiseMs / Math.max(1, e.recipe.steps))]
      ]
    : request
      ? [
          ['Model', modelName ?? request.model],
          ['Seed', String(request.seed)],
          ['Steps', String(request.steps ?? '')],
          ['Guidance', guidanceText(request.guidanceScale, request.guidanceScale2)],
          ['Cache', presetById(request.cache?.preset ?? 'none').label],
          ['Cached so far', liveCached(run)],
          ['Elapsed', formatMs(run.job?.elapsedMs ?? 0)]
        ]
      : []
  return (
    <dl className="facts" data-testid="run-facts">
      {rows.map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd className="num">{v}</dd>
        </div>
      ))}
    </dl>
  )
}

/** The thread layout that ran, and why it was that one (docs/engine.md, "Choosing the layout at load"). */
function layoutText(l: NonNullable<Timings['threadLayout']>): string {
  const threads =
    l.intraOpThreads === 0 ? 'auto threads' : `${l.intraOpThreads} thread${l.intraOpThreads === 1 ? '' : 's'}`
  const lanes =
    l.cfgLanes === 2 ? `2 CFG lanes × ${threads}` : l.cfgBatch ? `${threads}, CFG batched` : threads
  const why = { explicit: 'set', stored: 'measured', default: 'default' }[l.source]
  return `${lanes} (${why})`
}

/** A two-expert model's scales as "high · low-noise expert" (Wan 2.2's guidance_scale_2). */
function guidanceText(first: number | undefined, second: number | undefined): string {
  const g = String(first ?? '')
  return second === undefined ? g : `${g} · ${second} low-noise`
}

/** Decisions that cached, of those made so far (every branch and context counts). */
function liveCached(run: DisplayedRun): string {
  const cached = run.traces.filter((t) => t.cached).length
  return `${cached} of ${run.traces.length} decisions`
}
