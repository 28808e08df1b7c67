import type { ModelBench } from './result'

/**
 * The acceptance figures, checked by code on a bench result so the report states them
 * the same way every time: F8B0 ≥ 1.5× with PSNR ≥ 30 dB, adherence within 0.03 of uncached,
 * achieved ≥ 90 % of the theoretical speedup (by block count, and priced by block time); the engine
 * uncached ≥ 1.3× PyTorch eager per step.
 */

export interface Check {
  what: string
  value: number | null
  target: string
  ok: boolean
}

export const TARGETS = {
  speedup: 1.5,
  psnr: 30,
  adherenceDelta: 0.03,
  achievedOverTheoretical: 0.9,
  engineOverTorch: 1.3
} as const

export function acceptanceChecks(b: ModelBench, preset = 'F8B0'): Check[] {
  const v = b.variants.find((x) => x.id === preset)
  const checks: Check[] = []
  const add = (what: string, value: number | null | undefined, target: string, ok: (x: number) => boolean) =>
    checks.push({
      what,
      value: value ?? null,
      target,
      ok: value != null && Number.isFinite(value) && ok(value)
    })
  if (v && v.skipped === null) {
    const speedup = (x: number) => x >= TARGETS.speedup
    const efficient = (x: number) => x >= TARGETS.achievedOverTheoretical
    const pctTarget = `≥ ${TARGETS.achievedOverTheoretical * 100} %`
    add(`${v.label} speedup over none (wall time)`, v.timing?.speedup, `≥ ${TARGETS.speedup}×`, speedup)
    add(`${v.label} speedup over none (CPU time)`, v.timing?.cpuSpeedup, `≥ ${TARGETS.speedup}×`, speedup)
    add(
      `${v.label} PSNR vs uncached (pooled)`,
      v.psnrPooled,
      `≥ ${TARGETS.psnr} dB`,
      (x) => x >= TARGETS.psnr
    )
    add(
      `${v.label} adherence − uncached`,
      v.adherenceDelta,
      `≥ −${TARGETS.adherenceDelta}`,
      (x) => x >= -TARGETS.adherenceDelta
    )
    add(
      `${v.label} achieved / theoretical speedup (wall time)`,
      v.achievedOverTheoretical,
      pctTarget,
      efficient
    )
    add(
      `${v.label} achieved / theoretical speedup (CPU time)`,
      v.cpuAchievedOverTheoretical,
      pctTarget,
      efficient
    )
    // The same target against the theoretical speedup priced by block time (aggregate.ts): the
    // count above treats the blocks a cache keeps and those it skips as equally costly.
    const byTime = v.blockTimeTheoreticalSpeedup
    add(
      `${v.label} achieved / theoretical speedup priced by block time (wall time)`,
      v.timing && byTime ? v.timing.speedup / byTime : null,
      pctTarget,
      efficient
    )
  }
  if (b.torch)
    add(
      'engine uncached vs PyTorch eager, per step',
      b.torch.engineSpeedupUncached,
      `≥ ${TARGETS.engineOverTorch}×`,
      (x) => x >= TARGETS.engineOverTorch
    )
  return checks
}
