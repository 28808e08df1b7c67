import { assertFinite } from '../../cache/non-finite'
import { EngineFailure } from '../../errors'
import type { BeforeCall } from '../../model/block-program'
import type { Session } from '../../model/session'
import { tensor, type Tensor } from '../../tensor'
import type { Sd3Clip, Sd3Model } from './model'

/**
 * StableDiffusion3Pipeline's encode_prompt for one prompt: CLIP-L and CLIP-G each give their
 * projected pooled output (text_embeds) and their penultimate hidden states (hidden_states[-2],
 * clip_skip None); the two hidden states are joined on the feature axis and zero-padded to T5's
 * width, then T5's last_hidden_state is appended on the sequence axis: [1, 77 + L, D]. The pooled
 * outputs are joined too: [1, pooled_projection_dim]. Without text_encoder_3 the T5 part is
 * zeros [1, max_sequence_length, joint_attention_dim], as diffusers does.
 */

export interface Sd3TokenIds {
  clipL: BigInt64Array
  clipG: BigInt64Array
  t5: BigInt64Array
}

export interface Sd3Text {
  /** prompt_embeds [1, 77 + L, joint_attention_dim]. */
  states: Tensor
  /** pooled_prompt_embeds [1, pooled_projection_dim]. */
  pooled: Tensor
}

const ids = (x: readonly number[]) => BigInt64Array.from(x, (v) => BigInt(v))

/** tokenizer / tokenizer_2 to 77, tokenizer_3 to max_sequence_length, each padded and truncated. */
export function tokenizeSd3(model: Sd3Model, prompt: string, maxSequenceLength: number): Sd3TokenIds {
  return {
    clipL: ids(model.clipL.tokenizer.encode(prompt, model.clipL.maxLength)),
    clipG: ids(model.clipG.tokenizer.encode(prompt, model.clipG.maxLength)),
    t5: model.t5
      ? ids(model.t5.tokenizer.encode(prompt, maxSequenceLength))
      : new BigInt64Array(maxSequenceLength)
  }
}

/** The name of hidden_states[-2]: the CLIP export lists hidden_states.0 … hidden_states.N. */
export function penultimateHiddenName(encoder: Session): string {
  const indices = encoder.outputNames
    .map((n) => /^hidden_states\.(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
  if (indices.length < 2)
    throw new EngineFailure(
      'model_invalid',
      `${encoder.label}: has no hidden_states.K outputs (SD3 reads CLIP's penultimate hidden states; export it with output_hidden_states)`
    )
  return `hidden_states.${Math.max(...indices) - 1}`
}

async function runClip(clip: Sd3Clip, x: BigInt64Array, beforeCall: BeforeCall) {
  const e = clip.encoder
  if (!e.outputNames.includes('text_embeds'))
    throw new EngineFailure(
      'model_invalid',
      `${e.label}: has no output "text_embeds" (a CLIPTextModelWithProjection export has it)`
    )
  const hidden = penultimateHiddenName(e)
  beforeCall()
  const out = await e.run({ [e.inputNames[0]]: { int64: x, dims: [1, x.length] } }, ['text_embeds', hidden])
  assertFinite(out.text_embeds, `${e.label}'s text_embeds`)
  assertFinite(out[hidden], `${e.label}'s ${hidden}`)
  return { pooled: out.text_embeds, hidden: out[hidden] }
}

export async function encodeSd3(
  model: Sd3Model,
  tokens: Sd3TokenIds,
  beforeCall: BeforeCall
): Promise<Sd3Text> {
  const l = await runClip(model.clipL, tokens.clipL, beforeCall)
  const g = await runClip(model.clipG, tokens.clipG, beforeCall)
  const D = model.configs.transformer.joint_attention_dim
  let t5: Tensor
  if (model.t5) {
    const e = model.t5.encoder
    if (!e.outputNames.includes('last_hidden_state'))
      throw new EngineFailure('model_invalid', `${e.label}: has no output "last_hidden_state"`)
    beforeCall()
    const out = await e.run({ [e.inputNames[0]]: { int64: tokens.t5, dims: [1, tokens.t5.length] } }, [
      'last_hidden_state'
    ])
    t5 = out.last_hidden_state
    assertFinite(t5, `${e.label}'s last_hidden_state`)
  } else {
    t5 = tensor(new Float32Array(tokens.t5.length * D), [1, tokens.t5.length, D])
  }
  return {
    states: joinStates(l.hidden, g.hidden, t5),
    pooled: joinLast([l.pooled, g.pooled])
  }
}

/** cat(pad(cat([L, G], -1), to T5's width), T5) on the sequence axis. */
export function joinStates(clipL: Tensor, clipG: Tensor, t5: Tensor): Tensor {
  const clip = joinLast([clipL, clipG])
  const [B, S, C] = clip.dims
  const [B5, L, D] = t5.dims
  if (B !== 1 || B5 !== 1 || C > D)
    throw new EngineFailure(
      'model_invalid',
      `CLIP states [${clip.dims.join(', ')}] cannot be padded to T5's [${t5.dims.join(', ')}] (CLIP-L + CLIP-G width must not exceed T5's)`
    )
  const out = new Float32Array((S + L) * D)
  for (let s = 0; s < S; s++) out.set(clip.data.subarray(s * C, (s + 1) * C), s * D)
  out.set(t5.data, S * D)
  return tensor(out, [1, S + L, D])
}

/** Tensors of equal leading dims joined on their last axis. */
export function joinLast(parts: readonly Tensor[]): Tensor {
  const lead = parts[0].dims.slice(0, -1)
  for (const p of parts)
    if (p.dims.slice(0, -1).join() !== lead.join())
      throw new EngineFailure(
        'model_invalid',
        `cannot join [${p.dims.join(', ')}] with [${parts[0].dims.join(', ')}]`
      )
  const rows = lead.reduce((a, b) => a * b, 1)
  const widths = parts.map((p) => p.dims[p.dims.length - 1])
  const total = widths.reduce((a, b) => a + b, 0)
  const out = new Float32Array(rows * total)
  for (let r = 0; r < rows; r++) {
    let o = r * total
    parts.forEach((p, i) => {
      out.set(p.data.subarray(r * widths[i], (r + 1) * widths[i]), o)
      o += widths[i]
    })
  }
  return tensor(out, [...lead, total])
}
