/**
 * Seeded Gaussian noise, the same on every machine: a 32-bit seed drives SplitMix32-seeded
 * xoshiro128** (integer-only, so no platform differences), and Box–Muller turns pairs of
 * uniforms into normals. Same seed and shape → same noise, bit for bit.
 */
export function gaussianNoise(seed: number, count: number): Float32Array {
  const next = xoshiro128ss(seed >>> 0)
  const out = new Float32Array(count)
  for (let i = 0; i < count; i += 2) {
    // (0, 1]: never log(0).
    const u1 = (next() + 1) / 4294967296
    const u2 = next() / 4294967296
    const r = Math.sqrt(-2 * Math.log(u1))
    out[i] = r * Math.cos(2 * Math.PI * u2)
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2)
  }
  return out
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

function xoshiro128ss(seed: number): () => number {
  const sm = splitmix32(seed)
  let a = sm()
  let b = sm()
  let c = sm()
  let d = sm()
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0
    const t = (b << 9) >>> 0
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = rotl(d, 11)
    a >>>= 0
    b >>>= 0
    c >>>= 0
    return result
  }
}
