import type { EngineMethodResults, EngineParams } from '../../shared/engine-protocol'
import type { EngineEndpoint } from '../../shared/engine-endpoint'
import type { GenerateRequestInput, GenerationResult } from '../../shared/generation'
import type { EngineHost, GenerateOptions, QuickMethod } from '../engine-host/engine-host'
import { RemoteEngine } from './remote-engine'

/**
 * The engine the IPC handlers talk to when Settings → Engine can be remote: the same surface as
 * EngineHost, with what a remote server does routed there — the model list and generate (with
 * its progress, trace and cancel) — and the rest kept on the local engine: compare (pixel math
 * on two results the app already holds), importing and inspecting folders on this machine, and
 * the supervisor's status. The endpoint is read on every call, so a settings change applies to
 * the next request; outputs are saved by the caller, locally, as with the local engine.
 */

export type EngineLike = Pick<
  EngineHost,
  'start' | 'restart' | 'status' | 'onStatus' | 'request' | 'generate' | 'importModel' | 'dispose'
>

export class EngineRouter implements EngineLike {
  readonly #local: EngineLike
  readonly #endpoint: () => EngineEndpoint
  #remote: RemoteEngine | null = null

  constructor(local: EngineLike, endpoint: () => EngineEndpoint) {
    this.#local = local
    this.#endpoint = endpoint
  }

  start(): void {
    this.#local.start()
  }

  restart(): void {
    this.#local.restart()
  }

  status(): ReturnType<EngineHost['status']> {
    return this.#local.status()
  }

  onStatus(listener: Parameters<EngineHost['onStatus']>[0]): () => void {
    return this.#local.onStatus(listener)
  }

  importModel(...args: Parameters<EngineHost['importModel']>): ReturnType<EngineHost['importModel']> {
    return this.#local.importModel(...args)
  }

  dispose(): Promise<void> {
    return this.#local.dispose()
  }

  async request<M extends QuickMethod>(method: M, params: EngineParams<M>): Promise<EngineMethodResults[M]> {
    const remote = this.#remoteEngine()
    if (remote && method === 'listModels') return (await remote.listModels()) as EngineMethodResults[M]
    return this.#local.request(method, params)
  }

  generate(params: GenerateRequestInput, options: GenerateOptions = {}): Promise<GenerationResult> {
    const remote = this.#remoteEngine()
    if (!remote) return this.#local.generate(params, options)
    return remote.generate(params, { onProgress: options.onProgress, signal: options.signal })
  }

  /** The remote engine of the current endpoint, or null when the engine is local. */
  #remoteEngine(): RemoteEngine | null {
    const endpoint = this.#endpoint()
    if (endpoint.mode === 'local') return null
    const url = endpoint.url.replace(/\/+$/, '')
    if (!this.#remote || this.#remote.url !== url || this.#remote.token !== endpoint.token) {
      this.#remote = new RemoteEngine({ url, token: endpoint.token })
    }
    return this.#remote
  }
}
