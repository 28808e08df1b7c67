import { join } from 'node:path'
import type { PromptTokens } from '../../../shared/generation'
import { MANIFEST_LIMITS } from '../../../shared/manifest'
import { EngineFailure } from '../errors'
import { isImportedPackage } from '../import/imported-info'
import { readImportedManifest } from '../import/imported-manifest-file'
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

/**
 * Which tokenizer reads the prompt, and its window. An imported package names it
 * (`promptTokenizer`: FLUX's T5, whose tokens are the text the transformer attends to, not CLIP's
 * 77 of which only the pooled vector is used). Its files stay in the source folder.
 */
async function tokenizerFile(modelDir: string): Promise<{ root: string; file: string; maxLength: number }> {
  if (await isImportedPackage(modelDir)) {
    const m = await readImportedManifest(modelDir)
    const t = m.promptTokenizer === null ? undefined : m.tokenizers[m.promptTokenizer]
    if (!t) throw new EngineFailure('bad_request', `${m.id}: its family reads no prompt text`)
    return { root: m.source.dir, ...t }
  }
  return { root: modelDir, ...(await readManifest(modelDir)).tokenizer }
}

async function tokenizerOf(modelDir: string): Promise<PromptTokenizer> {
  const { root, file, maxLength } = await tokenizerFile(modelDir)
  const path = join(root, file)
  const options = { maxBytes: MANIFEST_LIMITS.otherFileBytes, label: path, root }
  const st = await assertRegularFile(path, options)
  const key = `${path}\n${st.dev}:${st.ino}:${st.size}\n${maxLength}`
  let tokenizer = cache.get(key)
  if (tokenizer) cache.delete(key)
  else tokenizer = new PromptTokenizer(await readRegularText(path, options), maxLength, path)
  cache.set(key, tokenizer)
  while (cache.size > KEEP) cache.delete(cache.keys().next().value as string)
  return tokenizer
}
