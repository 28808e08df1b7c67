import type { TooltipContentProps } from 'recharts'
import type { ChartData } from './step-series'

const REASONS: Record<string, string> = {
  disabled: 'cache off',
  warmup: 'warmup',
  mask_compute: 'mask: compute',
  static_mask: 'mask: cached',
  max_cached: 'max cached reached',
  max_continuous: 'max consecutive reached',
  accumulated_budget: 'diff budget spent',
  threshold_off: 'threshold ≤ 0',
  no_reference: 'no reference yet',
  shape_changed: 'shape changed',
  over_threshold: 'over threshold',
  similar: 'under threshold'
}

/** What one step decided, per series: distance, verdict and why, blocks run, time. */
export function StepTooltip({ active, label, data }: Partial<TooltipContentProps> & { data: ChartData }) {
  if (!active || label === undefined) return null
  const row = data.rows.find((r) => r.step === Number(label))
  if (!row) return null
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-head">
        <span>Step {row.step}</span>
        <span className="num dim">σ {row.timestep.toFixed(3)}</span>
      </div>
      <table>
        <tbody>
          {data.series.map((s) => {
            const t = row.decision[s.key]
            if (!t) return null
            return (
              <tr key={s.key}>
                <td>
                  <i className="swatch" style={{ background: s.color }} />
                  {s.label}
                </td>
                <td className="num">{t.distance === null ? '—' : t.distance.toFixed(4)}</td>
                <td className={t.cached ? 'verdict cached' : 'verdict'}>
                  {t.cached ? 'cached' : 'computed'}
                </td>
                <td className="dim">{REASONS[t.reason] ?? t.reason}</td>
                <td className="num dim">
                  {t.blocksRun}/{t.blocksTotal} blk
                </td>
                <td className="num dim">{t.ms.toFixed(1)} ms</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
