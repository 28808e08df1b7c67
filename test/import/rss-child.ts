import { createStepCache } from '../../src/main/engine/cache/index'
import { loadImportedFamilyModel } from '../../src/main/engine/pipeline/families'
import { GenerateRequestSchema } from '../../src/shared/generation'

/**
 * Run by test/import/memory.test.ts in its own process: loads the imported package given as
 * argument, generates two uncached steps (every session made and run once), and prints the
 * process's RSS before loading, after loading and after generating, as one JSON line.
 */
async function main(): Promise<void> {
  const before = process.memoryUsage().rss
  const { model, pipeline } = await loadImportedFamilyModel(process.argv[2], { provider: 'cpu' })
  const loaded = process.memoryUsage().rss
  const request = GenerateRequestSchema.parse({
    model: 'big',
    prompt: 'a cat',
    seed: 1,
    steps: 2,
    width: 64,
    height: 64,
    provider: 'cpu'
  })
  await pipeline.generate(model, request, { createStepCache, beforeCall: () => undefined })
  const generated = process.memoryUsage().rss
  await model.release()
  process.stdout.write(`${JSON.stringify({ before, loaded, generated })}\n`)
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`)
  process.exit(1)
})
