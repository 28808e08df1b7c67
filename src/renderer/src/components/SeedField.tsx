import { MAX_SEED } from '../../../shared/generation'
import { useStudioStore } from '../store'

/** Seed with a dice (roll now) and a lock (keep it for every run; unlocked rolls before each run). */
export function SeedField({ disabled }: { disabled?: boolean }) {
  const seed = useStudioStore((s) => s.form.seed)
  const locked = useStudioStore((s) => s.form.seedLocked)
  const setForm = useStudioStore((s) => s.setForm)
  const rollSeed = useStudioStore((s) => s.rollSeed)
  return (
    <div className="field">
      <label className="field-label" htmlFor="seed">
        Seed
      </label>
      <div className="input-group">
        <input
          id="seed"
          data-testid="seed"
          className="num"
          type="number"
          min={0}
          max={MAX_SEED}
          value={seed}
          disabled={disabled}
          onChange={(e) => {
            const v = Math.trunc(Number(e.target.value))
            if (Number.isFinite(v)) setForm({ seed: Math.min(MAX_SEED, Math.max(0, v)) })
          }}
        />
        <button
          type="button"
          className="icon-button"
          title="Roll a new seed"
          aria-label="Roll a new seed"
          disabled={disabled || locked}
          onClick={rollSeed}
        >
          <DiceIcon />
        </button>
        <button
          type="button"
          className={locked ? 'icon-button on' : 'icon-button'}
          title={locked ? 'Seed locked: every run uses it' : 'Seed unlocked: each run rolls a new one'}
          aria-label="Lock seed"
          aria-pressed={locked}
          data-testid="seed-lock"
          disabled={disabled}
          onClick={() => setForm({ seedLocked: !locked })}
        >
          <LockIcon locked={locked} />
        </button>
      </div>
    </div>
  )
}

function DiceIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.3">
      <rect x="2" y="2" width="12" height="12" rx="2.5" />
      <circle cx="5.5" cy="5.5" r="1" fill="currentColor" stroke="none" />
      <circle cx="10.5" cy="10.5" r="1" fill="currentColor" stroke="none" />
      <circle cx="8" cy="8" r="1" fill="currentColor" stroke="none" />
    </svg>
  )
}

function LockIcon({ locked }: { locked: boolean }) {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.3">
      <rect x="3" y="7" width="10" height="7" rx="1.5" />
      <path d={locked ? 'M5 7V5a3 3 0 0 1 6 0v2' : 'M5 7V5a3 3 0 0 1 5.8-1'} />
    </svg>
  )
}
