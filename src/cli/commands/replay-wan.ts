import { createStepCache } from '../../main/engine/cache/index'
import { EngineFailure } from '../../main/engine/errors'
import { loadImportedFamilyModel } from '../../main/engine/pipeline/families'
import { loadWanModel, type LoadWanOptions, type WanImportLoader } from '../../main/engine/pipeline/wan/load'
import { isWanModel, type WanModel } from '../../main/engine/pipeline/wan/model'
import { readWanGolden } from '../../main/engine/replay/wan-golden'
import { replayWan } from '../../main/engine/replay/wan-replay'
import type { CliIO } from '../io'
import {
  printChecks,
  printRun,
  runReplay,
  sameCachedSteps,
  sameTransformerAndBranch,
  type ReplayFlags
} from './replay-shared'

export async function replayWanCommand(
  goldenDir: string,
  values: ReplayFlags,
  io: CliIO,
  fromImport: WanImportLoader = loadImportedWan
): Promise<number> {
  return runReplay(
    goldenDir,
    values,
    io,
    { readGolden: readWanGolden, load: (dir, options) => loadWanModel(dir, options, fromImport) },
    async (model, golden) => {
      const result = await replayWan(model, golden, {
        createStepCache,
        onRun: values.json ? undefined : (run) => printRun(run, io, 'frames', sameTransformerAndBranch)
      })
      if (values.json) {
        io.out(JSON.stringify({ runs: result.runs, checks: result.checks }, null, 2))
      } else {
        const c = result.checks
        printChecks(io, 'ids and mask of one tokenizer', c)
        if (c.expertsMatch !== null)
          io.out(`  experts per step: ${c.expertsMatch ? "the golden's" : "DIFFER from the golden's"}`)
        for (const note of c.notes) io.out(`  note: ${note}`)
      }
      return result.runs.every((run) => sameCachedSteps(run, sameTransformerAndBranch)) ? 0 : 1
    }
  )
}

/** An imported package of the Wan family, through the family registry (pipeline/families.ts). */
async function loadImportedWan(dir: string, options: LoadWanOptions): Promise<WanModel> {
  const { model } = await loadImportedFamilyModel(dir, options)
  if (!isWanModel(model)) {
    await model.release()
    throw new EngineFailure(
      'bad_request',
      `${dir}: not an imported Wan package; a Wan golden replays on a Wan model`
    )
  }
  return model
}
