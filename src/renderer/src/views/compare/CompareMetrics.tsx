import type { CompareResult } from '../../../../shared/engine-protocol'
import { PSNR_CAP_DB } from '../../../../shared/engine-protocol'
import type { GalleryEntry } from '../../../../shared/gallery'
import { formatMs, formatSpeedup } from '../../components/format'

interface Props {
  result: CompareResult
  cached: GalleryEntry
  uncached: GalleryEntry
  /** The frame shown, for a video's per-frame numbers. */
  frame: number
}

const psnrText = (db: number): string => (db >= PSNR_CAP_DB ? `≥ ${PSNR_CAP_DB} dB` : `${db.toFixed(2)} dB`)

/**
 * PSNR, SSIM, the two times and the speedup, in one strip of large numbers. The denoise loop is
 * what the cache speeds up; totals also hold one-off work (a first run loads the model), so they
 * are the small print.
 */
export function CompareMetrics({ result, cached, uncached, frame }: Props) {
  const perFrame = result.perFrame.length > 1 ? result.perFrame[frame] : null
  const speedup = uncached.timings.totalMs / cached.timings.totalMs
  const denoiseSpeedup = uncached.timings.denoiseMs / cached.timings.denoiseMs
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
      <Metric
        label="Cached · denoise"
        value={formatMs(cached.timings.denoiseMs)}
        testId="time-cached"
        note={`total ${formatMs(cached.timings.totalMs)}`}
      />
      <Metric
        label="Uncached · denoise"
        value={formatMs(uncached.timings.denoiseMs)}
        testId="time-uncached"
        note={`total ${formatMs(uncached.timings.totalMs)}`}
      />
      <Metric
        label="Speedup · denoise"
        value={formatSpeedup(denoiseSpeedup)}
        testId="speedup"
        note={`total ${formatSpeedup(speedup)}`}
        accent={denoiseSpeedup >= 1}
      />
    </div>
  )
}

function Metric({
  label,
  value,
  note,
  testId,
  accent
}: {
  label: string
  value: string
  note: string
  testId: string
  accent?: boolean
}) {
  return (
    <div className={accent ? 'metric big accent' : 'metric big'}>
      <span className="metric-label">{label}</span>
      <span className="metric-value num" data-testid={testId}>
        {value}
      </span>
      <span className="metric-note num">{note}</span>
    </div>
  )
}
