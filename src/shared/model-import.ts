import { z } from 'zod'
import { ModelInfoSchema } from './manifest'

/**
 * Importing an ONNX diffusers folder (one holding model_index.json) from the app: main asks the
 * engine with `importModel`, the engine answers once with the package it wrote (or the folder's
 * one-line refusal) and sends `importProgress` messages for the request before that, the way a
 * generate's progress travels. Each side validates what it sends and what it receives with these
 * schemas. The package is written into `modelsDir` (the app's own models folder), never into the
 * user's folder.
 */

/** The file that marks a folder as a diffusers pipeline (its `_class_name` names the pipeline). */
export const MODEL_INDEX_FILE = 'model_index.json'

export const ImportModelParamsSchema = z
  .object({
    /** The user's ONNX diffusers folder (read only). */
    folder: z.string().min(1).max(4096),
    /** Where the package is written, as `<modelsDir>/<id>/`. */
    modelsDir: z.string().min(1).max(4096),
    name: z.string().min(1).max(200).optional()
  })
  .strict()
export type ImportModelParams = z.infer<typeof ImportModelParamsSchema>

/** One line of the importer's progress ("cutting transformer/model.onnx (2070 nodes)"). */
export const ImportProgressSchema = z
  .object({
    line: z.string().min(1).max(2000),
    /** Since the import started. */
    elapsedMs: z.number().nonnegative()
  })
  .strict()
export type ImportProgress = z.infer<typeof ImportProgressSchema>

export const ImportModelResultSchema = z
  .object({
    /** The imported package as listModels lists it. */
    model: ModelInfoSchema,
    /** True when this folder had been imported before and that package was given back. */
    reused: z.boolean()
  })
  .strict()
export type ImportModelResult = z.infer<typeof ImportModelResultSchema>

/** What main pushes to the page while Add model imports a folder. */
export const AddModelProgressSchema = z
  .object({
    folder: z.string(),
    line: z.string(),
    elapsedMs: z.number().nonnegative()
  })
  .strict()
export type AddModelProgress = z.infer<typeof AddModelProgressSchema>
