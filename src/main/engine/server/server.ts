import {
  ENGINE_VERSION,
  EngineMethodParams,
  EngineRequestSchema,
  type EngineImportProgress,
  type EngineMessage,
  type EngineMethod,
  type EngineResponse
} from '../../../shared/engine-protocol'
import { ImportProgressSchema } from '../../../shared/model-import'
import { describeIssues } from '../../../shared/validation'
import { EngineFailure, toEngineError } from '../errors'
import type { CompareFn, ServedEngine } from './served-engine'

/**
 * The engine's message loop: one request in, exactly one response out (errors as values), with
 * progress events for a generate in between. Every request is validated with the shared schema
 * before the engine sees it; `cancel` aborts the AbortSignal of the generate or importModel it names.
 */
export class EngineServer {
  readonly #engine: ServedEngine
  readonly #transport: EngineTransport
  readonly #compare: CompareFn | undefined
  readonly #inFlight = new Map<string, AbortController>()

  constructor(engine: ServedEngine, transport: EngineTransport, compare?: CompareFn) {
    this.#engine = engine
    this.#transport = transport
    this.#compare = compare
  }

  /** Start answering and tell the host the engine is ready. */
  start(): void {
    this.#transport.onMessage((message) => void this.#handle(message))
    this.#send({ kind: 'ready', version: ENGINE_VERSION })
  }

  async #handle(message: unknown): Promise<void> {
    const request = EngineRequestSchema.safeParse(message)
    if (!request.success) {
      const id = idOf(message)
      const error = { code: 'bad_request' as const, message: describeIssues('request', request.error) }
      if (id) this.#send({ kind: 'response', id, ok: false, error })
      else process.stderr.write(`engine: dropped a message without an id: ${error.message}\n`)
      return
    }
    const { id, method, params } = request.data
    this.#send(await this.#answer(id, method, params))
  }

  async #answer(id: string, method: EngineMethod, params: unknown): Promise<EngineResponse> {
    const parsed = EngineMethodParams[method].safeParse(params ?? {})
    if (!parsed.success) {
      return {
        kind: 'response',
        id,
        ok: false,
        error: { code: 'bad_request', message: describeIssues(method, parsed.error) }
      }
    }
    try {
      const result = await this.#dispatch(id, method, parsed.data)
      return { kind: 'response', id, ok: true, result }
    } catch (e) {
      return { kind: 'response', id, ok: false, error: toEngineError(e) }
    }
  }

  // Params are already parsed by the schema of `method`; the casts name which one.
  async #dispatch(id: string, method: EngineMethod, params: unknown): Promise<unknown> {
    type P<M extends EngineMethod> = ReturnType<(typeof EngineMethodParams)[M]['parse']>
    switch (method) {
      case 'status':
        return this.#engine.status()
      case 'listModels':
        return this.#engine.listModels(params as P<'listModels'>)
      case 'inspectModel':
        return this.#engine.inspectModel((params as P<'inspectModel'>).path)
      case 'generate':
        return this.#generate(id, params as P<'generate'>)
      case 'compare':
        if (!this.#compare) throw new EngineFailure('internal', 'compare not available in this engine build')
        return this.#compare(params as P<'compare'>)
      case 'importModel':
        return this.#importModel(id, params as P<'importModel'>)
      case 'countTokens':
        return this.#engine.countTokens(params as P<'countTokens'>)
      case 'cancel': {
        const controller = this.#inFlight.get((params as P<'cancel'>).requestId)
        controller?.abort()
        return { cancelled: controller !== undefined }
      }
    }
  }

  async #generate(
    id: string,
    request: ReturnType<(typeof EngineMethodParams)['generate']['parse']>
  ): Promise<unknown> {
    const controller = new AbortController()
    this.#inFlight.set(id, controller)
    const { extraModelDirs, ...generateRequest } = request
    try {
      return await this.#engine.runGenerate(generateRequest, {
        extraModelDirs,
        signal: controller.signal,
        onProgress: (event) => this.#send({ kind: 'progress', id, event })
      })
    } finally {
      this.#inFlight.delete(id)
    }
  }

  // Progress lines are checked against the shared schema before they leave, as the host checks them.
  #importModel(id: string, params: ReturnType<(typeof EngineMethodParams)['importModel']['parse']>) {
    if (!this.#engine.importModel)
      throw new EngineFailure('internal', 'import not available in this engine build')
    const controller = new AbortController()
    this.#inFlight.set(id, controller)
    return this.#engine
      .importModel(params, {
        signal: controller.signal,
        onProgress: (event) => {
          const parsed = ImportProgressSchema.safeParse(event)
          if (parsed.success)
            this.#send({ kind: 'importProgress', id, event: parsed.data } satisfies EngineImportProgress)
        }
      })
      .finally(() => this.#inFlight.delete(id))
  }

  #send(message: EngineMessage): void {
    this.#transport.send(message)
  }
}

function idOf(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null || !('id' in message)) return undefined
  return typeof message.id === 'string' && message.id.length > 0 ? message.id : undefined
}

/**
 * How the engine talks to its host. The same server loop runs under two hosts:
 * - Electron's utilityProcess, where `process.parentPort` carries structured-clone messages;
 * - a plain Node child (`child_process.fork` with `serialization: 'advanced'`), used by tests and
 *   by anything that wants the engine without an Electron binary.
 * The engine never imports electron, so the parent port is typed here by the little we use.
 */
export interface EngineTransport {
  send(message: unknown): void
  onMessage(listener: (message: unknown) => void): void
}

interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown
  postMessage(message: unknown): void
}

function parentPortTransport(port: ParentPortLike): EngineTransport {
  return {
    send: (message) => port.postMessage(message),
    onMessage: (listener) => void port.on('message', (event) => listener(event.data))
  }
}

function nodeIpcTransport(proc: NodeJS.Process): EngineTransport {
  const send = proc.send?.bind(proc)
  if (!send)
    throw new Error('engine worker started without an IPC channel (fork it, or run it as a utility process)')
  return {
    send: (message) => void send(message),
    onMessage: (listener) => void proc.on('message', listener)
  }
}

/** The transport of the host this process was started by. */
export function hostTransport(proc: NodeJS.Process = process): EngineTransport {
  const port = (proc as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort
  return port ? parentPortTransport(port) : nodeIpcTransport(proc)
}
