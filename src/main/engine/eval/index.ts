/**
 * Evaluation of generated outputs, for the CLI bench, the compare view and the tests:
 * prompt adherence to our caption grammar, and PSNR / SSIM / heatmap between two outputs.
 * Result types live in src/shared (adherence.ts, engine-protocol.ts) so the renderer can read them.
 */
export { scoreAdherence, scoreBatch, type AdherenceItem, type PixelMeta } from './adherence'
export { compareImages, psnrFromMse, type CompareInput } from './compare'
export { motionDirection } from './motion'
export { readFrame, type FrameReading } from './frame'
