import { loadSd3Model, type Sd3ImportLoader } from '../../main/engine/pipeline/sd3/load'
import { replaySd3 } from '../../main/engine/replay/sd3'
import { readSd3Golden } from '../../main/engine/replay/sd3-golden'
import { loadImportedSd3 } from '../../main/engine/pipeline/sd3/from-import'
import type { CliIO } from '../io'
import { uncachedReplay, type ReplayFlags } from './replay-shared'

/**
 * `studio replay` of an SD3 pipeline golden (replay.ts dispatches here by the golden's family):
 * the same flags and printout as FLUX's, one run, no cache contexts, plus the prompt embeddings'
 * distance from diffusers'.
 */

export async function replaySd3Command(
  goldenDir: string,
  values: ReplayFlags,
  io: CliIO,
  fromImport: Sd3ImportLoader | null = loadImportedSd3
): Promise<number> {
  return uncachedReplay(goldenDir, values, io, {
    readGolden: readSd3Golden,
    load: (dir, options) => loadSd3Model(dir, options, fromImport),
    replay: replaySd3,
    tokens: 'ids of several tokenizers'
  })
}
