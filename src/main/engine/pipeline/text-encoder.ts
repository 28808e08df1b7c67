import { assertFinite } from '../cache/non-finite'
import { EngineFailure } from '../errors'
import type { BeforeCall } from '../model/block-program'
import type { LoadedModel } from '../model/loaded-model'
import type { Feed, Session } from '../model/session'
import type { Tensor } from '../tensor'

/** Text encoder outputs of one prompt ([1, L, Dt] `text_hidden`, and `text_pooled` if any). */
export type TextEmbedding = Readonly<Record<string, Tensor>>

export async function encodePrompt(model: LoadedModel, prompt: string): Promise<TextEmbedding> {
  const ids = model.tokenizer.encode(prompt)
  return model.textEncoder.run({
    input_ids: { int64: BigInt64Array.from(ids, (id) => BigInt(id)), dims: [1, ids.length] }
  })
}

/**
 * One output of a family's text encoder session (FLUX's CLIP and T5, PixArt-Σ's T5, Wan's UMT5),
 * checked finite; a session without that output is refused, naming the outputs it has.
 */
export async function encoderOutput(
  encoder: Session,
  feeds: Record<string, Feed>,
  output: string,
  beforeCall: BeforeCall
): Promise<Tensor> {
  if (!encoder.outputNames.includes(output))
    throw new EngineFailure(
      'model_invalid',
      `${encoder.label}: has no output "${output}" (it has ${encoder.outputNames.join(', ')})`
    )
  beforeCall()
  const out = (await encoder.run(feeds, [output]))[output]
  assertFinite(out, `${encoder.label}'s ${output}`)
  return out
}
