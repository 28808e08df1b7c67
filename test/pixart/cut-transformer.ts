import { PIXART_GRAPH } from '../../src/main/engine/import/families/graph-specs'
import type { LoadedTransformer } from '../../src/main/engine/model/loaded-model'
import { cutGraph, loadCutTransformer } from '../cut-transformer'

/**
 * A PixArt transformer graph cut by the importer's cutTransformer with the family's spec, loaded
 * as the engine's LoadedTransformer in memory (test/cut-transformer.ts), so one test can run both
 * exports through the step cache.
 */
export function cutPixArt(file: string) {
  return cutGraph(file, PIXART_GRAPH)
}

export async function cutPixArtTransformer(file: string): Promise<LoadedTransformer> {
  const cut = cutPixArt(file)
  if (cut.lists.length !== 1) throw new Error(`${file}: ${cut.lists.length} block lists, PixArt has one`)
  return loadCutTransformer(cut)
}
