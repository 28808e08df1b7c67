import { z } from 'zod'
import { EngineChoiceSchema } from './engine-endpoint'
import { ProviderSchema } from './providers'

/** User settings, stored as JSON in the app's userData folder and validated on every read. */
export const SettingsSchema = z
  .object({
    /** Execution provider for new generations; `auto` lets the engine pick the best available. */
    provider: ProviderSchema.default('auto'),
    /** Where the gallery keeps outputs; null = `<userData>/gallery`. */
    outputDir: z.string().min(1).nullable().default(null),
    /**
     * ONNX Runtime intra-op threads; 0 = auto: the engine picks each model's thread layout
     * (docs/engine.md, "Choosing the layout at load").
     */
    threads: z.number().int().min(0).max(256).default(0),
    /** Model folders the user added, besides the embedded ones. */
    extraModelDirs: z.array(z.string().min(1)).default([]),
    /** The engine generations run on: this app's, or a server's (its token is not kept here). */
    engine: EngineChoiceSchema.default({ mode: 'local' })
  })
  .strict()
export type Settings = z.infer<typeof SettingsSchema>

/**
 * A change to some settings; unknown keys are an error, not silently dropped. Built from the
 * fields without their defaults: zod 4 applies a default even inside `.partial()`, which would
 * turn `{ threads: 2 }` into a patch that also resets every other setting.
 */
export const SettingsPatchSchema = z
  .object(
    Object.fromEntries(
      Object.entries(SettingsSchema.shape).map(([key, field]) => [key, field.unwrap().optional()])
    ) as {
      [K in keyof typeof SettingsSchema.shape]: z.ZodOptional<
        ReturnType<(typeof SettingsSchema.shape)[K]['unwrap']>
      >
    }
  )
  .strict()
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>

export const DEFAULT_SETTINGS: Settings = SettingsSchema.parse({})
