import type { EngineMethodResults, EngineParams } from '../../shared/engine-protocol'
import type { EngineHostStatus } from '../../shared/engine-status'
import type { GenerateRequestInput, GenerationOutput } from '../../shared/generation'
import { remoteStatus, type RemoteEngineStatus } from '../../shared/remote-engine'
import type { EngineHost, GenerateOptions, QuickMethod } from '../engine-host/engine-host'
import { EngineFailure } from '../engine/errors'
import { RemoteEngine } from './remote-engine'
import { RemoteMonitor, type MonitorTiming } from './remote-monitor'

/**
 * The engine the IPC handlers talk to when Settings → Engine can be remote: the same surface as
 * EngineHost, with what a remote server does routed there — the model list, generate (with its
 * progress, trace and cancel) and the prompt's token count — and the rest kept on the local
 * engine: compare (pixel math on two results the app already holds), importing and inspecting
 * folders on this machine. The endpoint is read on every call, so a settings change applies to
 * the next request; outputs are saved by the caller, locally, as with the local engine.
 *
 * The status it reports is the local engine's plus, while the engine is remote, the server's
 * (`remote`: watched by a RemoteMonitor, started when the engine becomes remote and stopped when
 * it no longer is, or on dispose), so the status bar shows the engine actually in use.
 */

export type EngineLike = Pick<
  EngineHost,
  'start' | 'restart' | 'status' | 'onStatus' | 'request' | 'generate' | 'importModel' | 'dispose'
> & {
  /** The remote engine in use, or null while the engine is local (the router only). */
  remote?(): RemoteEngine | null
  /** Settings → Engine was saved: follow it now (the router only). */
  endpointChanged?(): void
}

/** Where the router sends work: a server's URL with its token (null: none is saved for it). */
export type RouterEndpoint = { mode: 'local' } | { mode: 'remote'; url: string; token: string | null }

/** The remote side in use: a server to talk to and watch, or one without a token to send it. */
type Remote =
  { key: string; engine: RemoteEngine; monitor: RemoteMonitor } | { key: string; noToken: RemoteEngineStatus }

export class EngineRouter implements EngineLike {
  readonly #local: EngineLike
  readonly #endpoint: () => RouterEndpoint
  readonly #timing: MonitorTiming | undefined
  readonly #listeners = new Set<(status: EngineHostStatus) => void>()
  #offLocal: (() => void) | null = null
  #remote: Remote | null = null
  #disposed = false

  constructor(local: EngineLike, endpoint: () => RouterEndpoint, options: { monitor?: MonitorTiming } = {}) {
    this.#local = local
    this.#endpoint = endpoint
    this.#timing = options.monitor
  }

  start(): void {
    this.#local.start()
    this.#follow()
  }

  restart(): void {
    this.#local.restart()
  }

  /** The local engine's status, with the remote engine's while it is the one in use. */
  status(): EngineHostStatus {
    this.#follow()
    return this.#withRemote(this.#local.status())
  }

  onStatus(listener: (status: EngineHostStatus) => void): () => void {
    this.#listeners.add(listener)
    this.#offLocal ??= this.#local.onStatus((status) => this.#emit(status))
    this.#follow()
    return () => {
      this.#listeners.delete(listener)
      if (this.#listeners.size > 0) return
      this.#offLocal?.()
      this.#offLocal = null
    }
  }

  endpointChanged(): void {
    const before = this.#remote
    this.#follow()
    // Saved again as it was (e.g. after a loss): ask the server now rather than at the next round.
    if (before && this.#remote === before && 'monitor' in before) before.monitor.checkNow()
  }

  remote(): RemoteEngine | null {
    this.#follow()
    const remote = this.#remote
    if (!remote) return null
    if ('noToken' in remote) {
      throw new EngineFailure(
        'bad_request',
        `Settings → Engine: no token is saved for the remote engine at ${remote.noToken.url}; enter it and save`
      )
    }
    return remote.engine
  }

  importModel(...args: Parameters<EngineHost['importModel']>): ReturnType<EngineHost['importModel']> {
    return this.#local.importModel(...args)
  }

  async dispose(): Promise<void> {
    this.#disposed = true
    this.#stopRemote()
    this.#offLocal?.()
    this.#offLocal = null
    this.#listeners.clear()
    await this.#local.dispose()
  }

  async request<M extends QuickMethod>(method: M, params: EngineParams<M>): Promise<EngineMethodResults[M]> {
    const remote = this.remote()
    if (remote && method === 'listModels')
      return (await this.#watched(remote.listModels())) as EngineMethodResults[M]
    if (remote && method === 'countTokens') {
      const { model, text } = params as EngineParams<'countTokens'>
      return (await this.#watched(remote.countTokens(model, text))) as EngineMethodResults[M]
    }
    return this.#local.request(method, params)
  }

  async generate(params: GenerateRequestInput, options: GenerateOptions = {}): Promise<GenerationOutput> {
    const remote = this.remote()
    if (!remote) return this.#local.generate(params, options)
    return this.#watched(remote.generate(params, { onProgress: options.onProgress, signal: options.signal }))
  }

  /** A call to the server that finds it gone has the status bar say so now, not at the next round. */
  #watched<T>(call: Promise<T>): Promise<T> {
    call.catch((e: unknown) => {
      const remote = this.#remote
      if (e instanceof EngineFailure && e.code === 'engine_crashed' && remote && 'monitor' in remote)
        remote.monitor.checkNow()
    })
    return call
  }

  /** Matches the remote side to the endpoint setting: starts or stops watching a server, and says so. */
  #follow(): void {
    if (this.#disposed) return
    const endpoint = this.#endpoint()
    const url = endpoint.mode === 'remote' ? endpoint.url.replace(/\/+$/, '') : null
    const key = endpoint.mode === 'remote' ? `${url}\n${endpoint.token ?? ''}` : null
    if ((this.#remote?.key ?? null) === key) return
    this.#stopRemote()
    if (endpoint.mode === 'remote' && url !== null && key !== null) {
      if (endpoint.token === null) {
        this.#remote = { key, noToken: noTokenStatus(url) }
      } else {
        const engine = new RemoteEngine({ url, token: endpoint.token })
        const monitor = new RemoteMonitor(engine, () => this.#emit(this.#local.status()), this.#timing)
        this.#remote = { key, engine, monitor }
      }
    }
    this.#emit(this.#local.status())
  }

  #stopRemote(): void {
    if (this.#remote && 'monitor' in this.#remote) this.#remote.monitor.stop()
    this.#remote = null
  }

  #withRemote(local: EngineHostStatus): EngineHostStatus {
    const remote = this.#remote
    return {
      ...local,
      remote: remote ? ('noToken' in remote ? remote.noToken : remote.monitor.status()) : null
    }
  }

  #emit(local: EngineHostStatus): void {
    const status = this.#withRemote(local)
    for (const listener of this.#listeners) listener(status)
  }
}

function noTokenStatus(url: string): RemoteEngineStatus {
  return remoteStatus(url, 'refused', { error: 'no token is saved for it: enter it in Settings → Engine' })
}
