import { describe, expect, it } from 'vitest'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import { ScriptedChild } from './scripted-child'

/** EngineHost.importModel's signal (what Add model's Cancel aborts): the engine is asked to cancel that request. */
describe('importModel with a signal at the host', () => {
  function readyHost(): { host: EngineHost; child: ScriptedChild } {
    const child = new ScriptedChild()
    const host = new EngineHost({ spawn: () => child })
    host.start()
    child.send({ kind: 'ready', version: 'test' })
    return { host, child }
  }

  it('aborting sends cancel naming the import request; the engine’s cancelled answer ends it', async () => {
    const { host, child } = readyHost()
    const controller = new AbortController()
    const importing = host.importModel(
      { folder: '/onnx', modelsDir: '/models' },
      undefined,
      controller.signal
    )
    const id = await child.idOf('importModel')
    controller.abort()
    const cancel = child.posted.find((m) => m.method === 'cancel') as unknown as { params: unknown }
    expect(cancel).toMatchObject({ kind: 'request', params: { requestId: id } })
    child.send({
      kind: 'response',
      id,
      ok: false,
      error: { code: 'cancelled', message: 'import cancelled' }
    })
    await expect(importing).rejects.toMatchObject({ code: 'cancelled', message: 'import cancelled' })
    await host.dispose()
  })

  it('a signal aborted before the request is sent sends nothing and answers cancelled', async () => {
    const { host, child } = readyHost()
    const controller = new AbortController()
    controller.abort()
    const importing = host.importModel(
      { folder: '/onnx', modelsDir: '/models' },
      undefined,
      controller.signal
    )
    await expect(importing).rejects.toMatchObject({ code: 'cancelled' })
    expect(child.posted.filter((m) => m.method === 'importModel' || m.method === 'cancel')).toEqual([])
    await host.dispose()
  })

  it('an import that ended is not cancelled when its signal aborts later', async () => {
    const { host, child } = readyHost()
    const controller = new AbortController()
    const importing = host.importModel(
      { folder: '/onnx', modelsDir: '/models' },
      undefined,
      controller.signal
    )
    const id = await child.idOf('importModel')
    child.send({ kind: 'response', id, ok: false, error: { code: 'model_invalid', message: 'x: missing' } })
    await expect(importing).rejects.toMatchObject({ code: 'model_invalid' })
    controller.abort()
    expect(child.posted.filter((m) => m.method === 'cancel')).toEqual([])
    await host.dispose()
  })
})
