import { z } from 'zod'

/** Execution providers the app can ask ONNX Runtime for; `auto` picks the best available. */
export const PROVIDERS = ['auto', 'cpu', 'cuda', 'dml', 'coreml'] as const
export const ProviderSchema = z.enum(PROVIDERS)
export type Provider = z.infer<typeof ProviderSchema>
export type ConcreteProvider = Exclude<Provider, 'auto'>
