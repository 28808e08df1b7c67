import { loadPixArtModel } from '../../main/engine/pipeline/pixart/load'
import { replayPixArt } from '../../main/engine/replay/pixart'
import { readPixArtGolden } from '../../main/engine/replay/pixart-golden'
import type { CliIO } from '../io'
import { uncachedReplay, type ReplayFlags } from './replay-shared'

/**
 * `studio replay` of a PixArt-Σ pipeline golden (replay.ts dispatches here by the golden's
 * family): the same flags and printout as FLUX's, one run, no cache contexts.
 */

export async function replayPixArtCommand(
  goldenDir: string,
  values: ReplayFlags,
  io: CliIO
): Promise<number> {
  return uncachedReplay(goldenDir, values, io, {
    readGolden: readPixArtGolden,
    load: loadPixArtModel,
    replay: replayPixArt,
    tokens: 'ids and mask of one tokenizer'
  })
}
