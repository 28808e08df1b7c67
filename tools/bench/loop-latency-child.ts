/**
 * The "inline" layout of tools/bench/loop-latency.mts: an engine process that runs the pipeline
 * on its own message loop (what cut 8 of docs/architecture.md proposes), behind the same server
 * (server/server.ts) and the same load-and-run code (`ModelRunner`, thread/entry.ts) as the real worker, so the
 * only difference measured is which thread ONNX Runtime's blocking run() is on.
 */
import { ENGINE_VERSION } from '../../src/shared/engine-protocol'
import { readEngineArgs } from '../../src/shared/engine-options'
import { EngineFailure } from '../../src/main/engine/errors'
import { availableProviders } from '../../src/main/engine/model/providers'
import { listModels, resolveModel, type ModelDirs } from '../../src/main/engine/model/registry'
import { countPromptTokens } from '../../src/main/engine/pipeline/prompt-tokens'
import { EngineServer, hostTransport } from '../../src/main/engine/server/server'
import type { ServedEngine } from '../../src/main/engine/server/served-engine'
import { ModelRunner } from '../../src/main/engine/thread/entry'

const args = readEngineArgs(process.argv)
const runner = new ModelRunner({ tuning: args.tuning })
const dirs = (extra: readonly string[] = []): ModelDirs => ({
  embedded: args.modelDirs.embedded,
  user: [...(args.modelDirs.user ?? []), ...extra]
})
let busy = false

const engine: ServedEngine = {
  status: () => ({ version: ENGINE_VERSION, providers: availableProviders(), busy }),
  listModels: async ({ extraModelDirs }) => (await listModels(dirs(extraModelDirs))).models,
  inspectModel: async (path) => {
    throw new EngineFailure('internal', `inspectModel ${path}: not in the bench's inline engine`)
  },
  countTokens: async (p) => countPromptTokens(await resolveModel(p.model, dirs(p.extraModelDirs)), p.text),
  runGenerate: async (request, { signal, onProgress, extraModelDirs }) => {
    const flag = new Int32Array(new SharedArrayBuffer(4))
    signal.addEventListener('abort', () => Atomics.store(flag, 0, 1), { once: true })
    if (request.provider === 'auto' && args.defaultProvider) request = { ...request, provider: args.defaultProvider }
    busy = true
    try {
      const dir = await resolveModel(request.model, dirs(extraModelDirs))
      return await runner.generate(dir, request, { cancelFlag: flag, onProgress })
    } finally {
      busy = false
    }
  }
}

new EngineServer(engine, hostTransport()).start()
