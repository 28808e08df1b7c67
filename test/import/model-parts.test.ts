import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { EngineFailure } from '../../src/main/engine/errors'
import { graphInputs, SIZE_FIELDS, storedConfigs } from '../../src/main/engine/import/families/model-parts'
import type { ModelProto } from '../../src/main/engine/model/onnx-graph'

/** What the importer's family files share (families/model-parts.ts). */

describe("a loaded package's stored configs", () => {
  const Schema = z.object({ transformer: z.object({ num_layers: z.number().int() }) }).strict()

  it("are the family schema's parse of them", () => {
    expect(storedConfigs(Schema, { transformer: { num_layers: 2 } }, 'pkg')).toEqual({
      transformer: { num_layers: 2 }
    })
  })

  it('EXPECTED FAILURE - configs edited since the import are refused as model_invalid, naming the field', () => {
    let caught: unknown
    try {
      storedConfigs(Schema, { transformer: { num_layers: 'two' } }, '/models/pkg')
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(EngineFailure)
    expect((caught as EngineFailure).code).toBe('model_invalid')
    expect((caught as Error).message).toMatch(
      /^\/models\/pkg: model\.json configs\.transformer\.num_layers: /
    )
  })
})

describe("a graph's inputs", () => {
  it('each with its shape: numbers where fixed, the symbol where dynamic, [] where unknown', () => {
    const model = {
      graph: {
        input: [
          {
            name: 'hidden_states',
            type: { tensorType: { shape: { dim: [{ dimValue: 2 }, { dimParam: 'N' }] } } }
          },
          { name: 'timestep' }
        ]
      }
    } as unknown as ModelProto
    expect(graphInputs(model)).toEqual([
      { name: 'hidden_states', type: 'float32', shape: [2, 'N'] },
      { name: 'timestep', type: 'float32', shape: [] }
    ])
  })
})

describe('the size fields of a kept shape', () => {
  const Shape = z.object(SIZE_FIELDS).strict()

  it('take multiples up to max, or the one static size', () => {
    expect(Shape.parse({ multipleOf: 16, max: 1024, fixed: null }).fixed).toBeNull()
    expect(Shape.parse({ multipleOf: 16, max: 32, fixed: { width: 32, height: 32 } }).fixed).toEqual({
      width: 32,
      height: 32
    })
  })

  it('EXPECTED FAILURE - a size that is not a positive integer is refused', () => {
    expect(Shape.safeParse({ multipleOf: 0, max: 32, fixed: null }).success).toBe(false)
    expect(Shape.safeParse({ multipleOf: 16, max: 32, fixed: { width: 32.5, height: 32 } }).success).toBe(
      false
    )
  })
})
