import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import type { GenerateRequest, Recipe } from '../../../../shared/generation'
import { EngineFailure } from '../../errors'
import { readRegularFile } from '../../model/safe-read'
import { parseQwenPromptEmbeds, type QwenPromptEmbeds } from './embeds'

/**
 * A generate request's precomputed prompt embeddings (GenerateRequest.promptEmbeds and
 * negativePromptEmbeds) read for a Qwen-Image model: regular files only (no symlink, no device),
 * bounded in size, each recorded in the recipe by file name and sha256 so the recipe says what
 * made the image. A safetensors prompt file may carry the negative embeddings itself.
 */

/** Far past Qwen-Image's longest prompt: 1024 tokens × 3584 float32 values is 14 MiB. */
export const MAX_PROMPT_EMBEDS_BYTES = 256 * 1024 * 1024

export interface RequestEmbeds {
  cond: QwenPromptEmbeds
  uncond: QwenPromptEmbeds | null
  record: Pick<Recipe, 'promptEmbeds' | 'negativePromptEmbeds'>
}

export const NEEDS_EMBEDS =
  'reads no prompt text (no text encoder graph): give precomputed prompt embeddings (studio generate --prompt-embeds FILE)'

async function readOne(file: string, width: number, what: string) {
  let bytes: Uint8Array
  try {
    bytes = await readRegularFile(file, { maxBytes: MAX_PROMPT_EMBEDS_BYTES, label: `${what} ${file}` })
  } catch (e) {
    // The file is the request's, not the model's: a bad one is a bad request, in the reader's words.
    if (e instanceof EngineFailure) throw new EngineFailure('bad_request', e.message)
    throw e
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  try {
    return { parsed: parseQwenPromptEmbeds(bytes, file, width), record: { file: basename(file), sha256 } }
  } catch (e) {
    if (e instanceof EngineFailure) throw e
    throw new EngineFailure('bad_request', `${what}: ${(e as Error).message}`)
  }
}

export async function readRequestEmbeds(
  req: GenerateRequest,
  width: number,
  modelName: string
): Promise<RequestEmbeds> {
  if (!req.promptEmbeds) throw new EngineFailure('bad_request', `${modelName} ${NEEDS_EMBEDS}`)
  const main = await readOne(req.promptEmbeds.file, width, 'prompt embeddings')
  const record: RequestEmbeds['record'] = { promptEmbeds: main.record }
  let uncond = main.parsed.uncond
  if (req.negativePromptEmbeds) {
    const neg = await readOne(req.negativePromptEmbeds.file, width, 'negative prompt embeddings')
    uncond = neg.parsed.cond
    record.negativePromptEmbeds = neg.record
  }
  return { cond: main.parsed.cond, uncond, record }
}
