import { describe, expect, it } from 'vitest'
import { defaultName } from '../../src/main/engine/import/importer'

describe('the name of a folder imported without --name', () => {
  it('is the folder name when it names the model', () => {
    expect(defaultName('/models/FLUX.1-schnell')).toBe('FLUX.1-schnell')
  })

  it("is the parent's name when the folder is named for the format (onnx/, out/)", () => {
    expect(defaultName('/fixtures/flux-deep/onnx')).toBe('flux-deep')
    expect(defaultName('/home/me/flux-dev/out')).toBe('flux-dev')
  })

  it('keeps an exporter variant apart: flux-tiny/onnx-dynamo is flux-tiny-dynamo', () => {
    expect(defaultName('/fixtures/flux-tiny/onnx-dynamo')).toBe('flux-tiny-dynamo')
  })
})
