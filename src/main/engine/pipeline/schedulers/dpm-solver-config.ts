import { z } from 'zod'

/**
 * DPMSolverMultistepScheduler's scheduler_config.json as the engine reads it (diffusers' names and
 * defaults), and what of it pipeline/schedulers/dpm-solver.ts does not implement, in words.
 */

export const DPMSolverSchedulerConfigSchema = z
  .object({
    _class_name: z.literal('DPMSolverMultistepScheduler'),
    num_train_timesteps: z.number().int().positive().max(100_000).default(1000),
    beta_start: z.number().default(0.0001),
    beta_end: z.number().default(0.02),
    beta_schedule: z.string().default('linear'),
    trained_betas: z.array(z.number()).max(100_000).nullable().default(null),
    solver_order: z.number().int().default(2),
    prediction_type: z.string().default('epsilon'),
    thresholding: z.boolean().default(false),
    algorithm_type: z.string().default('dpmsolver++'),
    solver_type: z.string().default('midpoint'),
    lower_order_final: z.boolean().default(true),
    euler_at_final: z.boolean().default(false),
    use_karras_sigmas: z.boolean().nullable().default(false),
    use_exponential_sigmas: z.boolean().nullable().default(false),
    use_beta_sigmas: z.boolean().nullable().default(false),
    use_lu_lambdas: z.boolean().nullable().default(false),
    use_flow_sigmas: z.boolean().nullable().default(false),
    flow_shift: z.number().positive().nullable().default(1),
    final_sigmas_type: z.string().nullable().default('zero'),
    // Python's json writes -inf as -Infinity (pipeline/config-json.ts reads it); JSON.stringify
    // writes it as null (an imported package's model.json), read back as -Infinity: no clipping.
    lambda_min_clipped: z
      .union([z.number(), z.literal(-Infinity), z.null()])
      .default(-Infinity)
      .transform((v) => v ?? -Infinity),
    variance_type: z.string().nullable().default(null),
    timestep_spacing: z.string().default('linspace'),
    steps_offset: z.number().int().default(0),
    rescale_betas_zero_snr: z.boolean().default(false),
    use_dynamic_shifting: z.boolean().default(false)
  })
  .passthrough()
export type DPMSolverSchedulerConfig = z.infer<typeof DPMSolverSchedulerConfigSchema>

/** What of the config this implementation does not do (or diffusers refuses), in words; null: all. */
export function unsupportedDPMSolverField(c: DPMSolverSchedulerConfig): string | null {
  const algorithm = effectiveAlgorithm(c)
  if (algorithm === 'sde-dpmsolver++' || algorithm === 'sde-dpmsolver')
    return `algorithm_type "${c.algorithm_type}" (the SDE variants draw noise from torch's generator; dpmsolver++ and dpmsolver are implemented)`
  if (algorithm !== 'dpmsolver++' && algorithm !== 'dpmsolver')
    return `algorithm_type "${c.algorithm_type}" (dpmsolver++, dpmsolver and deis are known)`
  if (![1, 2, 3].includes(c.solver_order))
    return `solver_order ${c.solver_order} (1, 2 and 3 are implemented)`
  if (!['midpoint', 'heun', 'logrho', 'bh1', 'bh2'].includes(c.solver_type))
    return `solver_type "${c.solver_type}" (midpoint and heun are implemented)`
  if (!['epsilon', 'sample', 'v_prediction', 'flow_prediction'].includes(c.prediction_type))
    return `prediction_type "${c.prediction_type}" (epsilon, sample, v_prediction and flow_prediction are known)`
  if (c.prediction_type === 'flow_prediction' && algorithm === 'dpmsolver')
    return 'prediction_type "flow_prediction" with algorithm_type "dpmsolver" (diffusers refuses it)'
  if (c.thresholding) return 'thresholding is true (not implemented)'
  if (c.variance_type !== null)
    return `variance_type "${c.variance_type}" (the pipeline keeps the first half of a learned-sigma output itself; not implemented)`
  if (c.use_beta_sigmas) return "use_beta_sigmas is true (not implemented: it needs scipy's beta ppf)"
  if (c.use_dynamic_shifting)
    return 'use_dynamic_shifting is true (the pipeline passes no mu; not implemented)'
  if (c.rescale_betas_zero_snr) return 'rescale_betas_zero_snr is true (not implemented)'
  const sigmaKinds = [c.use_karras_sigmas, c.use_exponential_sigmas, c.use_beta_sigmas].filter(Boolean)
  if (sigmaKinds.length > 1)
    return 'more than one of use_karras_sigmas, use_exponential_sigmas, use_beta_sigmas (diffusers refuses it)'
  if (c.trained_betas === null && !['linear', 'scaled_linear', 'squaredcos_cap_v2'].includes(c.beta_schedule))
    return `beta_schedule "${c.beta_schedule}" (linear, scaled_linear and squaredcos_cap_v2 are implemented)`
  if (!['linspace', 'leading', 'trailing'].includes(c.timestep_spacing))
    return `timestep_spacing "${c.timestep_spacing}" (linspace, leading and trailing are known)`
  if (c.final_sigmas_type !== 'zero' && c.final_sigmas_type !== 'sigma_min')
    return `final_sigmas_type "${String(c.final_sigmas_type)}" (zero and sigma_min are known)`
  if (algorithm === 'dpmsolver' && c.final_sigmas_type === 'zero')
    return 'final_sigmas_type "zero" with algorithm_type "dpmsolver" (diffusers refuses it: choose sigma_min)'
  if (c.use_flow_sigmas && c.prediction_type !== 'flow_prediction')
    return `use_flow_sigmas with prediction_type "${c.prediction_type}" (flow sigmas go with flow_prediction)`
  return null
}

/** diffusers maps deis to dpmsolver++ (and logrho / bh1 / bh2 solver types to midpoint). */
export function effectiveAlgorithm(c: DPMSolverSchedulerConfig): string {
  return c.algorithm_type === 'deis' ? 'dpmsolver++' : c.algorithm_type
}

export interface DPMSolverSchedule {
  /** The int64 timesteps the transformer is called with, one per step. */
  timesteps: number[]
  /** steps + 1 float32 sigmas (the scheduler's self.sigmas), the last one the final sigma. */
  sigmas: number[]
}
