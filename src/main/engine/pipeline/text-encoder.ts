import type { LoadedModel } from '../model/loaded-model'
import type { Tensor } from '../tensor'

/** Text encoder outputs of one prompt ([1, L, Dt] `text_hidden`, and `text_pooled` if any). */
export type TextEmbedding = Readonly<Record<string, Tensor>>

export async function encodePrompt(model: LoadedModel, prompt: string): Promise<TextEmbedding> {
  const ids = model.tokenizer.encode(prompt)
  return model.textEncoder.run({
    input_ids: { int64: BigInt64Array.from(ids, (id) => BigInt(id)), dims: [1, ids.length] }
  })
}
