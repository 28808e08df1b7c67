import { describe, expect, it } from 'vitest'
import { parseEngineMessage } from '../../src/shared/engine-messages'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import type { ImportProgress } from '../../src/shared/model-import'
import { ScriptedChild } from './scripted-child'

/** The importModel request's progress messages as the host receives them (shared/model-import.ts). */
describe('importProgress messages at the host', () => {
  it('a well-formed line reaches the request that asked; one for another id is dropped', async () => {
    const child = new ScriptedChild()
    const host = new EngineHost({ spawn: () => child })
    host.start()
    child.send({ kind: 'ready', version: 'test' })
    const seen: ImportProgress[] = []
    const importing = host.importModel({ folder: '/onnx', modelsDir: '/models' }, (e) => seen.push(e))
    const id = await child.idOf('importModel')
    for (const raw of [
      {
        kind: 'importProgress',
        id,
        event: { line: 'cutting transformer/model.onnx (812 nodes)', elapsedMs: 12 }
      },
      { kind: 'importProgress', id: 'importModel-99', event: { line: 'not ours', elapsedMs: 1 } }
    ]) {
      expect(parseEngineMessage(raw)).toBeDefined()
      child.send(raw)
    }
    expect(seen).toEqual([{ line: 'cutting transformer/model.onnx (812 nodes)', elapsedMs: 12 }])
    await host.dispose()
    await expect(importing).rejects.toMatchObject({ code: 'engine_crashed' })
  })

  it('BAD MESSAGE - an empty line, a negative time or an extra field is not an importProgress message', () => {
    for (const event of [
      { line: '', elapsedMs: 1 },
      { line: 'x', elapsedMs: -1 },
      { line: 'x', elapsedMs: 1, html: '<b>' }
    ])
      expect(parseEngineMessage({ kind: 'importProgress', id: 'importModel-1', event })).toBeUndefined()
  })
})
