import { describe, expect, it } from 'vitest'
import { parseEngineMessage } from '../../src/shared/engine-messages'
import { PendingRequests } from '../../src/main/engine-host/pending'
import type { ImportProgress } from '../../src/shared/model-import'

/** The importModel request's progress messages as the host receives them (shared/model-import.ts). */
describe('importProgress messages at the host', () => {
  it('a well-formed line reaches the request that asked; one for another id is dropped', () => {
    const pending = new PendingRequests()
    const seen: ImportProgress[] = []
    const { id } = pending.add('importModel', { onImportProgress: (e) => seen.push(e) })
    for (const raw of [
      {
        kind: 'importProgress',
        id,
        event: { line: 'cutting transformer/model.onnx (812 nodes)', elapsedMs: 12 }
      },
      { kind: 'importProgress', id: 'importModel-99', event: { line: 'not ours', elapsedMs: 1 } }
    ]) {
      const message = parseEngineMessage(raw)
      if (message) pending.deliver(message)
    }
    expect(seen).toEqual([{ line: 'cutting transformer/model.onnx (812 nodes)', elapsedMs: 12 }])
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
