import { join } from 'node:path'
import type { PromptTokens } from '../../../shared/generation'
import { MANIFEST_LIMITS } from '../../../shared/manifest'
import { readManifest } from '../model/manifest-file'
import { assertRegularFile, readRegularText } from '../model/safe-read'
import { PromptTokenizer } from './tokenizer'

/**
 * countTokens: a prompt through a model's tokenizer, without loading its sessions, so the
 * generate view can say as the user types what the text encoder will see. The tokenizers of the
 * last few models are kept (keyed by the file's identity and size, so a replaced file is read
 * again). The folder is untrusted: the file is read as the loader reads it (safe-read.ts).
 */

const KEEP = 4
const cache = new Map<string, PromptTokenizer>()

export async function countPromptTokens(modelDir: string, text: string): Promise<PromptTokens> {
  return (await tokenizerOf(modelDir)).count(text)
}

async function tokenizerOf(modelDir: string): Promise<PromptTokenizer> {
  const { file, maxLength } = (await readManifest(modelDir)).tokenizer
  const path = join(modelDir, file)
  const options = { maxBytes: MANIFEST_LIMITS.otherFileBytes, label: path, root: modelDir }
  const st = await assertRegularFile(path, options)
  const key = `${path}\n${st.dev}:${st.ino}:${st.size}\n${maxLength}`
  let tokenizer = cache.get(key)
  if (tokenizer) cache.delete(key)
  else tokenizer = new PromptTokenizer(await readRegularText(path, options), maxLength, path)
  cache.set(key, tokenizer)
  while (cache.size > KEEP) cache.delete(cache.keys().next().value as string)
  return tokenizer
}
