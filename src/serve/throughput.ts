import type { BenchReport } from '../bench/result'

/**
 * The farm's throughput model (docs/serving.md): a worker runs one image at a time, so its rate
 * is one image per (engine time + farm overhead). The engine time is the bench's median wall time
 * per output of the preset (`studio bench`, docs/bench/bench.json: one ONNX Runtime thread, CPU);
 * the overhead is what a farm job adds around it (the queue's round trips, the result write, the
 * PNG in base64), which `studio worker` prints per job beside the engine's own time.
 */

export interface ThroughputRow {
  model: string
  preset: string
  msPerOutput: number
  jobsPerHour: number
}

export function throughputRows(report: BenchReport, overheadMs: number): ThroughputRow[] {
  // The images API serves image models; a video's output does not travel as one PNG.
  const images = report.models.filter((model) => model.kind === 'image')
  return images.flatMap((model) =>
    model.variants.flatMap((variant) => {
      if (!variant.timing) return []
      const ms = variant.timing.medianTotalMs
      return [
        {
          model: model.model,
          preset: variant.label,
          msPerOutput: ms,
          jobsPerHour: Math.floor(3_600_000 / (ms + overheadMs))
        }
      ]
    })
  )
}

export function throughputTable(report: BenchReport, overheadMs: number): string[] {
  const m = report.machine
  return [
    `From ${report.command} (${report.createdAt.slice(0, 10)}): ${m.cpus} × ${m.cpuModel}, ${m.provider}, ${m.threads} thread(s) per worker; farm overhead ${overheadMs} ms per job.`,
    '',
    '| model | preset | ms/output | jobs/hour per worker |',
    '| --- | --- | ---: | ---: |',
    ...throughputRows(report, overheadMs).map(
      (r) =>
        `| ${r.model} | ${r.preset} | ${r.msPerOutput.toFixed(0)} | ${r.jobsPerHour.toLocaleString('en')} |`
    )
  ]
}
