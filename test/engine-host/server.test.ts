import { describe, expect, it } from 'vitest'
import type { EngineMessage } from '../../src/shared/engine-protocol'
import type { GenerateRequest, GenerationResult, ProgressEvent } from '../../src/shared/generation'
import { EngineFailure } from '../../src/main/engine/errors'
import { EngineServer, type EngineTransport } from '../../src/main/engine/server/server'
import type { ServedEngine } from '../../src/main/engine/server/served-engine'

/** An in-memory transport: what the server sent, and a way to send it requests. */
function wire(): { transport: EngineTransport; sent: EngineMessage[]; deliver: (m: unknown) => void } {
  const sent: EngineMessage[] = []
  let listener: (m: unknown) => void = () => undefined
  return {
    transport: { send: (m) => sent.push(m as EngineMessage), onMessage: (l) => (listener = l) },
    sent,
    deliver: (m) => listener(m)
  }
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5))

/**
 * The server is tested here against an engine whose generate waits for its signal, to check the
 * loop's own behaviour (validation, ids, cancel, errors as values). The real engine is exercised
 * through the same loop in engine-host.test.ts.
 */
function engineThatWaits(): ServedEngine & { seen: GenerateRequest[] } {
  const seen: GenerateRequest[] = []
  return {
    seen,
    status: () => ({ version: 'test', providers: ['cpu'], busy: false }),
    listModels: async () => [],
    inspectModel: async (path) => {
      throw new EngineFailure('model_not_found', `no model at ${path}`)
    },
    countTokens: async ({ model }) => {
      throw new EngineFailure('model_not_found', `no model ${model}`)
    },
    runGenerate: (request, { onProgress, signal }) => {
      seen.push(request)
      const event: ProgressEvent = { step: 0, totalSteps: 2, elapsedMs: 1, etaMs: 1, traces: [] }
      onProgress(event)
      return new Promise<GenerationResult>((_, reject) =>
        signal.addEventListener('abort', () => reject(new EngineFailure('cancelled', 'generation cancelled')))
      )
    }
  }
}

describe('EngineServer', () => {
  it('says ready once started', () => {
    const { transport, sent } = wire()
    new EngineServer(engineThatWaits(), transport).start()
    expect(sent).toEqual([{ kind: 'ready', version: expect.any(String) }])
  })

  it('answers a request with its id and result', async () => {
    const { transport, sent, deliver } = wire()
    new EngineServer(engineThatWaits(), transport).start()
    deliver({ kind: 'request', id: 'a1', method: 'status', params: {} })
    await tick()
    expect(sent[1]).toEqual({
      kind: 'response',
      id: 'a1',
      ok: true,
      result: { version: 'test', providers: ['cpu'], busy: false }
    })
  })

  it('BAD CALL - generate without a seed answers bad_request naming the field', async () => {
    const { transport, sent, deliver } = wire()
    new EngineServer(engineThatWaits(), transport).start()
    deliver({ kind: 'request', id: 'g1', method: 'generate', params: { model: 'm', prompt: 'p' } })
    await tick()
    const response = sent[1]
    expect(response).toMatchObject({ kind: 'response', id: 'g1', ok: false, error: { code: 'bad_request' } })
    expect(response.kind === 'response' && !response.ok && response.error.message).toMatch(
      /^generate: invalid payload: seed:/
    )
  })

  it('BAD CALL - an unknown method answers bad_request naming `method`', async () => {
    const { transport, sent, deliver } = wire()
    new EngineServer(engineThatWaits(), transport).start()
    deliver({ kind: 'request', id: 'x1', method: 'explode', params: {} })
    await tick()
    expect(sent[1]).toMatchObject({
      id: 'x1',
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/method:/) }
    })
  })

  it('EXPECTED FAILURE - an engine error comes back as a value with its code', async () => {
    const { transport, sent, deliver } = wire()
    new EngineServer(engineThatWaits(), transport).start()
    deliver({ kind: 'request', id: 'i1', method: 'inspectModel', params: { path: '/nowhere' } })
    await tick()
    expect(sent[1]).toEqual({
      kind: 'response',
      id: 'i1',
      ok: false,
      error: { code: 'model_not_found', message: 'no model at /nowhere' }
    })
  })

  it('streams progress for a generate and cancels it by request id', async () => {
    const { transport, sent, deliver } = wire()
    const engine = engineThatWaits()
    new EngineServer(engine, transport).start()
    deliver({ kind: 'request', id: 'g2', method: 'generate', params: { model: 'm', prompt: 'p', seed: 1 } })
    await tick()
    expect(engine.seen[0]).toMatchObject({ cache: { preset: 'none' }, provider: 'auto' }) // defaults applied
    expect(sent[1]).toMatchObject({ kind: 'progress', id: 'g2', event: { step: 0 } })
    deliver({ kind: 'request', id: 'c1', method: 'cancel', params: { requestId: 'g2' } })
    await tick()
    expect(sent).toContainEqual({ kind: 'response', id: 'c1', ok: true, result: { cancelled: true } })
    expect(sent).toContainEqual({
      kind: 'response',
      id: 'g2',
      ok: false,
      error: { code: 'cancelled', message: 'generation cancelled' }
    })
  })

  it('answers compare with a clear internal error when no compare is wired', async () => {
    const { transport, sent, deliver } = wire()
    new EngineServer(engineThatWaits(), transport).start()
    const image = new Uint8Array(4)
    deliver({
      kind: 'request',
      id: 'k1',
      method: 'compare',
      params: { width: 1, height: 1, frames: 1, a: image, b: image }
    })
    await tick()
    expect(sent[1]).toMatchObject({
      id: 'k1',
      ok: false,
      error: { code: 'internal', message: expect.stringMatching(/compare not available/) }
    })
  })
})
