import type { CacheConfig, TaylorSeerConfig } from './cache-config'

/**
 * One sentence per cache knob, for tooltips and `--help`: the same words as the comments in
 * cache-config.ts. Typed by the config's keys, so adding a field without its explanation is a
 * type error. Pure data.
 */
export const CACHE_FIELD_DOCS: Readonly<Record<Exclude<keyof CacheConfig, 'taylorSeer'>, string>> = {
  enabled: 'Off = every block runs every step (the `none` preset).',
  Fn: 'Front blocks always computed; their output residual is the probe for the cache decision.',
  Bn: 'Back blocks always computed; they refine the approximated hidden states on cached steps.',
  residualDiffThreshold:
    'Cache when mean|prev − cur| / mean|prev| of the Fn residual is strictly below this. ≤ 0 never caches; ≥ 1 caches whenever warmup and limits allow.',
  maxAccumulatedResidualDiffThreshold:
    'Stop caching once the sum of recorded distances reaches this budget. Empty = no budget.',
  maxWarmupSteps: 'Steps in range(0, maxWarmupSteps, warmupInterval) always compute: early steps move most.',
  warmupInterval: 'Stride inside the warmup window: 2 forces only warmup steps 0, 2, 4, …',
  maxCachedSteps: 'Cap on cached steps per generation and branch; -1 = unlimited.',
  maxContinuousCachedSteps: 'Cap on consecutive cached steps before a forced compute; -1 = unlimited.',
  enableSeparateCfg:
    "On: CFG runs its cond and uncond branches as two transformer calls, each with its own cache state. Off: one batched call, one state. Auto = the model's default.",
  cfgDiffComputeSeparate:
    "With separate CFG: off lets the uncond branch reuse the cond branch's distance of the step.",
  stepsComputationMask:
    'Per-step 1 = must compute, 0 = may cache (LeMiCa/EasyCache-style schedules), e.g. 1,1,1,0,1,0. Empty = none.',
  stepsComputationPolicy:
    "For mask-0 steps: 'dynamic' still applies the threshold, 'static' caches unconditionally.",
  forceRefreshStepHint: 'Transformer-call index at which the cache context resets. Empty = never.',
  forceRefreshStepPolicy: "'once' resets at the hint only; 'repeat' resets every hint calls.",
  mergeBlockLists:
    "Treat consecutive block lists of one transformer as one list with one context (CacheDiT's default for FLUX). Auto = the model's hint.",
  downsampleFactor: 'Keep every k-th channel of the probe only (memory saving; 1 = all).'
}

export const TAYLORSEER_FIELD_DOCS: Readonly<Record<keyof TaylorSeerConfig, string>> = {
  enabled: 'Forecast the middle-block residual with a Taylor series instead of reusing it as is.',
  order:
    'Number of derivatives kept. 1 = linear extrapolation (recommended); 2 costs one more tensor per stream.',
  encoder: 'Also forecast the encoder (text) stream; off = reuse its stored residual.',
  cacheType: "'residual' forecasts the middle residual; 'hidden_states' the middle output itself."
}
