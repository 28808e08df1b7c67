import { join } from 'node:path'
import { z } from 'zod'
import { parseJson, readFolderJson, readFolderText, type JsonParser } from './config-json'
import { FluxTokenizer } from './flux/tokenize'

/**
 * A tokenizer folder of a pipeline folder (`rel`: tokenizer.json + tokenizer_config.json, as
 * transformers saves them) and its model_max_length; the pipeline bounds that by its own maximum.
 */

/** tokenizer_config.json: what the pipelines read of it. */
export const TokenizerConfigSchema = z.object({ model_max_length: z.number().positive() }).passthrough()

export async function readFolderTokenizer(
  dir: string,
  rel: string,
  parse: JsonParser = parseJson
): Promise<{ tokenizer: FluxTokenizer; maxLength: number }> {
  const configText = await readFolderText(dir, `${rel}/tokenizer_config.json`)
  const max = (await readFolderJson(dir, `${rel}/tokenizer_config.json`, TokenizerConfigSchema, parse))
    .model_max_length
  return {
    tokenizer: new FluxTokenizer(
      await readFolderText(dir, `${rel}/tokenizer.json`),
      configText,
      join(dir, rel, 'tokenizer.json')
    ),
    maxLength: max
  }
}
