import { createStepCache } from '../../main/engine/cache/index'
import { loadPixArtModel } from '../../main/engine/pipeline/pixart/load'
import { replayPixArt } from '../../main/engine/replay/pixart'
import { readPixArtGolden } from '../../main/engine/replay/pixart-golden'
import type { CliIO } from '../io'
import { reportUncachedReplay, runReplay, type ReplayFlags } from './replay-shared'

/**
 * `studio replay` of a PixArt-Σ pipeline golden (replay.ts dispatches here by the golden's
 * family): the same flags and printout as FLUX's, one run, no cache contexts.
 */

export async function replayPixArtCommand(
  goldenDir: string,
  values: ReplayFlags,
  io: CliIO
): Promise<number> {
  return runReplay(
    goldenDir,
    values,
    io,
    { readGolden: readPixArtGolden, load: loadPixArtModel },
    async (model, golden) =>
      reportUncachedReplay(
        await replayPixArt(model, golden, { createStepCache }),
        values,
        io,
        'ids and mask of one tokenizer'
      )
  )
}
