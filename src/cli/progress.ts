import type { ProgressEvent } from '../shared/generation'
import type { CliIO } from './io'

/** Progress of a generation: one updating line on a terminal, plain lines otherwise. */
export function progressPrinter(io: CliIO): { onProgress: (e: ProgressEvent) => void; done: () => void } {
  let shown = false
  return {
    onProgress: (e) => {
      const n = e.step + 1
      const perStep = e.elapsedMs / n
      const cached = e.traces.filter((t) => t.cached).length
      const cache = e.traces.length > 0 && cached > 0 ? `, cached ${cached}/${e.traces.length}` : ''
      const text = `step ${n}/${e.totalSteps} ${bar(n / e.totalSteps)} ${perStep.toFixed(1)} ms/step, eta ${(e.etaMs / 1000).toFixed(1)} s${cache}`
      if (io.status) {
        io.status(text)
        shown = true
      } else io.err(text)
    },
    done: () => {
      if (shown && io.status) io.status('')
      shown = false
    }
  }
}

function bar(fraction: number, width = 20): string {
  const full = Math.round(fraction * width)
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`
}
