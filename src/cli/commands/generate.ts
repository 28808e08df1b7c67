import { MAX_SEED } from '../../shared/generation'
import { CACHE_FLAGS_HELP } from '../cache-flags'
import { isCancelled, withCliEngine } from '../engine-session'
import { intFlag, commandFlags } from '../flags'
import { GENERATE_OPTIONS, requestFromFlags } from '../generate-request'
import { consoleIO, UsageError, type CliIO } from '../io'
import { DEFAULT_OUT_DIR, writeOutputs } from '../outputs'
import { progressPrinter } from '../progress'

/** `studio generate`: one image or video from a prompt, written with its recipe. */

export const GENERATE_USAGE = `Usage: studio generate --prompt TEXT [options]
       studio generate --from OUTPUT.png [options]   (the recipe in its metadata; flags override it)
  --model ID|FOLDER      model id or package folder (default: the embedded shapes image model)
  --prompt TEXT          what to draw (required, unless --prompt-embeds)
  --prompt-embeds FILE   precomputed prompt embeddings (.npy / .safetensors) for a model without a
                         text encoder graph (Qwen-Image); --negative-prompt-embeds FILE: true CFG's
  --negative TEXT        negative prompt (default: the model's)
  --seed N               0..${MAX_SEED} (default: random, printed)
  --steps N              denoising steps (default: the model's)
  --guidance G           CFG scale (default: the model's; 1 = no CFG); FLUX: its distilled guidance
  --guidance-2 G         Wan 2.2: the low-noise expert's CFG scale (default: the model's, else --guidance)
  --width W --height H   image size on models that make several (FLUX: multiples of VAE scale × 2)
  --frames N             video frames on models that make several (Wan: 1 + a multiple of 4)
  --separate-cfg | --batched-cfg   CFG as two calls or one batched call (default: the model's)
  --out PATH             .png/.webm file (.gif: a video's preview there, its .webm beside), or a folder (default: ${DEFAULT_OUT_DIR}/)
  --provider P           auto|cpu|cuda|dml|coreml (default: auto)
  --threads N            ONNX Runtime intra-op threads per session (default: ORT's choice)
  --models-dir DIR       also look for models here (repeatable)
${CACHE_FLAGS_HELP}`

export async function generateCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const parsed = commandFlags(argv, GENERATE_OPTIONS, GENERATE_USAGE, io)
  if (!parsed) return 0
  const { values, positionals } = parsed
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals[0]}" (flags take --name VALUE)`)
  const { request, dirs } = await requestFromFlags(values)

  const intraOpThreads = intFlag('threads', values.threads, 0, 256) ?? 0
  const progress = progressPrinter(io)
  try {
    return await withCliEngine({ modelDirs: dirs, intraOpThreads }, async (engine, signal) => {
      const result = await engine.generate(request, { onProgress: progress.onProgress, signal })
      progress.done()
      const written = await writeOutputs(result, values.out)
      const t = result.timings
      const perStep = t.perStepMs.reduce((a, b) => a + b, 0) / Math.max(1, t.perStepMs.length)
      const r = result.recipe
      io.out(
        `${r.model} seed ${r.seed}: ${result.width}×${result.height}${result.frames > 1 ? `×${result.frames}` : ''}, ` +
          `${r.steps} steps at ${perStep.toFixed(1)} ms/step (total ${(t.totalMs / 1000).toFixed(2)} s) on ${r.provider}, ` +
          `cache ${r.preset}: ${result.summary.blocksRun}/${result.summary.blocksTotal} blocks run`
      )
      for (const path of written) io.out(`wrote ${path}`)
      return 0
    })
  } catch (e) {
    progress.done()
    if (isCancelled(e)) {
      io.err('studio generate: cancelled')
      return 130
    }
    throw e
  }
}
