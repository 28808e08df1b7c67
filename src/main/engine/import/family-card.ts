import type { ImportedFamily } from '../../../shared/imported-manifest'
import type { ModelInfo } from '../../../shared/manifest'
import { FluxConfigsSchema } from './families/flux'
import { WanImportedConfigsSchema } from './families/wan'
import { wanDefaults } from '../pipeline/wan/defaults'

/**
 * What the model card and the generate view need of an imported package beyond its manifest's
 * generic fields: the frame counts a video family's graphs take, how the family guides and Wan
 * 2.2's second expert. One
 * entry per family (a Record, so a family added to the manifest's enum must say its own), each
 * read from the package's configs as its family's schema checked them at import.
 */
export type FamilyCard = Required<Pick<ModelInfo, 'guidance'>> & Pick<ModelInfo, 'frames' | 'secondExpert'>

const CARDS: Record<ImportedFamily, (configs: Record<string, unknown>) => FamilyCard> = {
  // FLUX.1-dev embeds a distilled guidance scale; schnell takes none. Neither reads a negative prompt.
  flux: (c) => ({ guidance: FluxConfigsSchema.parse(c).transformer.guidance_embeds ? 'distilled' : 'none' }),
  // WanPipeline: num_frames = 1 + k · the VAE's temporal scale; a static graph (or VAE) fixes k.
  // Wan 2.2 (boundary_ratio set): transformer_2 is the low-noise expert, with its own guidance scale.
  wan: (c) => {
    const { shape, index, tokenizerMaxLength } = WanImportedConfigsSchema.parse(c)
    const fixed = shape.fixedFrames === null ? {} : { fixed: shape.fixedFrames }
    const d = wanDefaults(shape, tokenizerMaxLength)
    const second =
      index.boundary_ratio === null
        ? {}
        : {
            secondExpert: {
              boundaryRatio: index.boundary_ratio,
              guidanceScale2: d.guidanceScale2 ?? d.guidanceScale
            }
          }
    return { guidance: 'cfg', frames: { step: shape.frameStep, max: shape.maxFrames, ...fixed }, ...second }
  },
  // StableDiffusion3Pipeline, QwenImagePipeline (true_cfg_scale) and PixArtSigmaPipeline: CFG with a negative prompt.
  sd3: () => ({ guidance: 'cfg' }),
  'qwen-image': () => ({ guidance: 'cfg' }),
  pixart: () => ({ guidance: 'cfg' })
}

export function familyCard(family: ImportedFamily, configs: Record<string, unknown>): FamilyCard {
  return CARDS[family](configs)
}
