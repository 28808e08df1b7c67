import { describe, expect, it } from 'vitest'
import { importedPipeline, type FamilyModel } from '../../src/main/engine/pipeline/families'
import type { GenerateRequest } from '../../src/shared/generation'

/**
 * A request field the family's pipeline would not read is refused by name before the pipeline
 * runs, so a user never gets an image that silently ignored what they asked for.
 */
const model = { id: 'm', name: 'sd3-tiny' } as unknown as FamilyModel
const request = (extra: Partial<GenerateRequest>): GenerateRequest =>
  ({ model: 'm', prompt: 'a cat', seed: 1, ...extra }) as GenerateRequest
const hooks = {} as Parameters<ReturnType<typeof importedPipeline>['generate']>[2]

describe('imported pipelines refuse the request fields they do not read', () => {
  it('EXPECTED FAILURE - guidanceScale2 on a one-transformer family names Wan 2.2', async () => {
    for (const family of ['flux', 'sd3', 'pixart'] as const)
      await expect(
        importedPipeline(family).generate(model, request({ guidanceScale2: 3 }), hooks)
      ).rejects.toThrow(
        'sd3-tiny has one transformer; guidanceScale2 (--guidance-2) is only for models with two experts (Wan 2.2)'
      )
  })

  it('EXPECTED FAILURE - frames on an image family', async () => {
    await expect(importedPipeline('flux').generate(model, request({ frames: 5 }), hooks)).rejects.toThrow(
      'sd3-tiny makes still images; frames (--frames) is only for video models (Wan)'
    )
  })

  it('EXPECTED FAILURE - prompt embeddings on a family that reads the prompt text', async () => {
    const embeds = { promptEmbeds: { file: 'e.npy' } } as unknown as Partial<GenerateRequest>
    await expect(importedPipeline('sd3').generate(model, request(embeds), hooks)).rejects.toThrow(
      /reads the prompt text; --prompt-embeds is only for models without a text encoder graph/
    )
  })

  it('lets frames 1 through to an image family (the pipeline then runs: here it fails on the fake model)', async () => {
    await expect(importedPipeline('flux').generate(model, request({ frames: 1 }), hooks)).rejects.not.toThrow(
      /frames/
    )
  })
})
