import type { CompareResult } from '../../../../shared/engine-protocol'
import { PSNR_CAP_DB } from '../../../../shared/engine-protocol'
import type { GalleryEntry } from '../../../../shared/gallery'
import { formatMs, formatSpeedup } from '../../components/format'
import { compareDenoise } from '../../store/slices/compare'

interface Props {
  result: CompareResult
  cached: GalleryEntry
  uncached: GalleryEntry
  /** The frame shown, for a video's per-frame numbers. */
  frame: number
}

const psnrText = (db: number): string => (db >= PSNR_CAP_DB ? `≥ ${PSNR_CAP_DB} dB` : `${db.toFixed(2)} dB`)

/** A run's denoise time, with its session preparation and total as the small print under it. */
function DenoiseTime({ run, side }: { run: GalleryEntry; side: 'cached' | 'uncached' }) {
  const t = run.timings
  const prep = t.prepareMs === undefined ? 'prep not timed' : `prep ${formatMs(t.prepareMs)}`
  return (
    <Metric
      label={`${side === 'cached' ? 'Cached' : 'Uncached'} · denoise`}
      value={formatMs(t.denoiseMs)}
      testId={`time-${side}`}
      note={`${prep} · total ${formatMs(t.totalMs)}`}
      noteTestId={`prep-${side}`}
    />
  )
}

/**
 * PSNR, SSIM, the two times and the speedup, in one strip of large numbers. The denoise steps,
 * on warm sessions, are what the cache speeds up and the only times divided; session preparation
 * (compiling segments, creating sessions, their first runs) is one-off work of whichever run came
 * first, so it is shown apart and never enters the speedup.
 */
export function CompareMetrics({ result, cached, uncached, frame }: Props) {
  const perFrame = result.perFrame.length > 1 ? result.perFrame[frame] : null
  const denoise = compareDenoise(cached, uncached)
  return (
    <div className="metrics-strip" data-testid="compare-metrics">
      <Metric
        label="PSNR"
        value={psnrText(result.psnr)}
        testId="psnr"
        note={perFrame ? `frame ${frame + 1}: ${psnrText(perFrame.psnr)}` : 'vs uncached'}
      />
      <Metric
        label="SSIM"
        value={result.ssim.toFixed(4)}
        testId="ssim"
        note={perFrame ? `frame ${frame + 1}: ${perFrame.ssim.toFixed(4)}` : 'luma, mean of frames'}
      />
      <DenoiseTime run={cached} side="cached" />
      <DenoiseTime run={uncached} side="uncached" />
      {denoise.comparable ? (
        <Metric
          label="Speedup · denoise"
          value={formatSpeedup(denoise.speedup)}
          testId="speedup"
          note="warm sessions · prep apart"
          accent={denoise.speedup >= 1}
        />
      ) : (
        <Metric
          label="Speedup · denoise"
          value="not comparable"
          testId="speedup"
          note={denoise.why}
          noteTestId="speedup-why"
          small
        />
      )}
    </div>
  )
}

function Metric({
  label,
  value,
  note,
  testId,
  noteTestId,
  accent,
  small
}: {
  label: string
  value: string
  note: string
  testId: string
  noteTestId?: string
  accent?: boolean
  /** A sentence instead of a number: smaller type, the note wraps. */
  small?: boolean
}) {
  const classes = ['metric', 'big', accent ? 'accent' : '', small ? 'wordy' : ''].filter(Boolean).join(' ')
  return (
    <div className={classes}>
      <span className="metric-label">{label}</span>
      <span className="metric-value num" data-testid={testId}>
        {value}
      </span>
      <span className="metric-note num" data-testid={noteTestId} title={note}>
        {small ? note : <NoteParts note={note} />}
      </span>
    </div>
  )
}

/**
 * A note's " · " parts, each kept on one line: in the 1024 px window a cell wraps between parts
 * ("prep 988 ms ·" over "total 1.62 s"), not inside one ("total" over "1.62 s").
 */
function NoteParts({ note }: { note: string }) {
  const parts = note.split(' · ')
  return parts.map((part, i) => (
    <span key={i}>
      <span className="note-part">{part}</span>
      {i < parts.length - 1 ? ' · ' : ''}
    </span>
  ))
}
