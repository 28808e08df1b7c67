import type { FamilyCutSpec } from '../boundaries'

/**
 * The partitioner's spec of each family's transformer graphs, in one place: which graph inputs the
 * streams come from, how a block returning both orders them, and the engine names of the embed
 * inputs (docs/model-package.md, "Imported packages"). The family files (families/<family>.ts)
 * take theirs from here.
 */

/**
 * Every family's transformer takes its streams as diffusers' forward arguments `hidden_states`
 * and `encoder_hidden_states`, [B, N, C] at the cuts.
 */
const STREAMS = { hiddenInput: 'hidden_states', encoderInput: 'encoder_hidden_states', streamRank: 3 }

/** The engine's names of the embed inputs every family has ← the exporter's (the forward arguments). */
const LATENT = { latent: 'hidden_states', text_hidden: 'encoder_hidden_states' }
const TIMESTEP = { timestep: 'timestep' }

/** FLUX: streams from the latent and T5 inputs; CacheDiT's Flux adapter runs both lists as Pattern_1. */
export const FLUX_GRAPH: FamilyCutSpec = {
  ...STREAMS,
  bothOrder: 'encoder-first',
  inputNames: { ...LATENT, text_pooled: 'pooled_projections', ...TIMESTEP }
}

/**
 * Wan 2.1 / 2.2 (each expert alike): one list `blocks`; the blocks cross-attend to the text
 * states the condition embedder projects once and return only the hidden stream: CacheDiT's
 * Wan adapter, Pattern_2. Wan's timestep is an integer in 0..1000 (passed as float32).
 */
export const WAN_GRAPH: FamilyCutSpec = {
  ...STREAMS,
  bothOrder: 'hidden-first',
  encoderStream: 'unchanged',
  inputNames: { ...LATENT, ...TIMESTEP }
}

/**
 * SD3 / SD3.5: joint blocks updating both streams, returned encoder first (Pattern_1); the last
 * block returns no encoder stream (context_pre_only), which nothing after it reads.
 */
export const SD3_GRAPH: FamilyCutSpec = {
  ...STREAMS,
  bothOrder: 'encoder-first',
  inputNames: { ...LATENT, text_pooled: 'pooled_projections', ...TIMESTEP }
}

/** Qwen-Image: dual-stream blocks, encoder first (CacheDiT: Pattern_1); the text mask as `text_mask`. */
export const QWEN_IMAGE_GRAPH: FamilyCutSpec = {
  ...STREAMS,
  bothOrder: 'encoder-first',
  inputNames: { ...LATENT, text_mask: 'encoder_hidden_states_mask', ...TIMESTEP }
}

/**
 * PixArt-Σ: BasicTransformerBlocks with cross-attention to the caption projection, hidden stream
 * only (CacheDiT: Pattern_3); the projected text states are a context tensor of every block, the
 * attention mask comes in as `text_mask` (0/1 per token, fed as float32 like every embed input;
 * the cut graph casts it to the graph's int64).
 */
export const PIXART_GRAPH: FamilyCutSpec = {
  ...STREAMS,
  bothOrder: 'hidden-first',
  encoderStream: 'context',
  inputNames: { ...LATENT, text_mask: 'encoder_attention_mask', ...TIMESTEP }
}
