import { Engine, EngineFailure, sourceThreadEntry, type EngineOptions } from '../main/engine/engine'

/**
 * Runs `work` with an engine whose ONNX Runtime calls happen on a worker thread, so Ctrl+C is
 * seen between session calls: it aborts `signal`, the generation stops within one call, and the
 * engine is disposed whatever happens.
 */
export async function withCliEngine<T>(
  options: { modelDirs: EngineOptions['modelDirs']; intraOpThreads: number },
  work: (engine: Engine, signal: AbortSignal) => Promise<T>
): Promise<T> {
  const engine = await Engine.create({
    modelDirs: options.modelDirs,
    thread: sourceThreadEntry(),
    tuning: { intraOpThreads: options.intraOpThreads }
  })
  const controller = new AbortController()
  const onSigint = () => controller.abort()
  process.once('SIGINT', onSigint)
  try {
    return await work(engine, controller.signal)
  } finally {
    process.off('SIGINT', onSigint)
    await engine.dispose()
  }
}

export function isCancelled(e: unknown): boolean {
  return e instanceof EngineFailure && e.code === 'cancelled'
}
