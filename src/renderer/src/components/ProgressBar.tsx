import { formatMs } from './format'

interface Props {
  step: number
  total: number
  elapsedMs: number
  etaMs: number
  label?: string
}

/** Step count, elapsed and time left, with a bar; the numbers are what the engine reported. */
export function ProgressBar({ step, total, elapsedMs, etaMs, label }: Props) {
  const pct = total > 0 ? Math.min(100, (step / total) * 100) : 0
  return (
    <div className="progress" data-testid="progress">
      <div className="progress-text">
        <span>{label ?? 'Denoising'}</span>
        <span className="num" data-testid="progress-steps">
          step {step}/{total}
        </span>
        <span className="num dim">{formatMs(elapsedMs)}</span>
        <span className="num dim" data-testid="progress-eta">
          {step > 0 ? `${formatMs(etaMs)} left` : 'starting…'}
        </span>
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={step}
      >
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
    </div>
  )
}
