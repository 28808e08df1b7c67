import ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { castGraph } from '../../src/main/engine/model/cast-graph'
import { fromFloat16Bits, toFloat16Bits } from '../../src/main/engine/model/float16'
import { onnx } from '../../src/main/engine/model/onnx-graph'

const F16 = onnx.TensorProto.DataType.FLOAT16
const F32 = onnx.TensorProto.DataType.FLOAT

const f32 = (bits: number[]) => new Float32Array(Uint32Array.from(bits).buffer)
const halves = (x: number[]) => [...toFloat16Bits(Float32Array.from(x))]

// ONNX Runtime's Cast each way: the reference.
let narrow: ort.InferenceSession
let widen: ort.InferenceSession
beforeAll(async () => {
  narrow = await ort.InferenceSession.create(castGraph(F32, F16))
  widen = await ort.InferenceSession.create(castGraph(F16, F32))
})
afterAll(async () => {
  await narrow?.release()
  await widen?.release()
})

async function ortHalves(x: Float32Array): Promise<Uint16Array> {
  const { y } = await narrow.run({ x: new ort.Tensor('float32', x, [x.length]) })
  return new Uint16Array((y.data as Uint16Array).buffer, (y.data as Uint16Array).byteOffset, x.length)
}

describe('float32 → float16 bits (toFloat16Bits)', () => {
  it('edge values: signed zeros, 65504, the rounding to inf at 65520, inf, NaN, the smallest subnormal and ties to even', () => {
    expect(halves([0, -0, 1, -2, 65504, 65519.996, 65520, -65520, Infinity, -Infinity])).toEqual([
      0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x7bff, 0x7c00, 0xfc00, 0x7c00, 0xfc00
    ])
    // 2^-24 is the smallest subnormal; 2^-25 ties between 0 and it (even: 0), just above rounds up;
    // 3·2^-25 ties between 1 and 2 units (even: 2); 2^-14 − 2^-25 ties up into the smallest normal.
    expect(
      halves([2 ** -24, 2 ** -25, 2 ** -25 * (1 + 2 ** -20), 3 * 2 ** -25, 2 ** -14 - 2 ** -25])
    ).toEqual([0x0001, 0x0000, 0x0001, 0x0002, 0x0400])
    // 1 + 2^-11 ties between 1 and 1 + 2^-10 (even: 1); 1 + 3·2^-11 ties up to 1 + 2^-9.
    expect(halves([1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -14, 1e-10, -1e-10])).toEqual([
      0x3c00, 0x3c02, 0x0400, 0x0000, 0x8000
    ])
    const nan = toFloat16Bits(f32([0x7fc00000, 0xffc00000, 0x7f800001, 0x00000001]))
    expect([...nan].map((h) => ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 ? 'NaN' : h))).toEqual([
      'NaN',
      'NaN',
      'NaN',
      0 // a float32 subnormal is far below float16's range
    ])
    expect(nan[1] & 0x8000).toBe(0x8000)
  })

  it("the bits ONNX Runtime's Cast gives, for 200 000 random float32 bit patterns and every value near float16's range edges", async () => {
    let seed = 12345
    const rand = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
      return seed
    }
    const bits: number[] = []
    for (let i = 0; i < 100_000; i++) bits.push(rand())
    // Exponents from float16's smallest subnormal to past its largest normal, any mantissa.
    for (let i = 0; i < 100_000; i++) bits.push((rand() & 0x807fffff) | ((101 + (rand() % 42)) << 23))
    const x = f32(bits)
    const ours = toFloat16Bits(x)
    const theirs = await ortHalves(x)
    const isNan = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0
    let differ = 0
    for (let i = 0; i < x.length; i++) {
      if (Number.isNaN(x[i])) {
        if (!isNan(ours[i]) || !isNan(theirs[i])) differ++
      } else if (ours[i] !== theirs[i]) differ++
    }
    expect(differ).toBe(0)
  })
})

describe('float16 bits → float32 (fromFloat16Bits)', () => {
  it("every one of the 65536 float16 values as ONNX Runtime's Cast widens it (NaN stays NaN), and back to the same bits", async () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i)
    const ours = fromFloat16Bits(all)
    const { y } = await widen.run({ x: new ort.Tensor('float16', all, [all.length]) })
    const theirs = y.data as Float32Array
    let differ = 0
    for (let i = 0; i < all.length; i++)
      if (!(Object.is(ours[i], theirs[i]) || (Number.isNaN(ours[i]) && Number.isNaN(theirs[i])))) differ++
    expect(differ).toBe(0)
    const back = toFloat16Bits(ours)
    const nanBits = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0
    for (let i = 0; i < all.length; i++) if (!nanBits(i) && back[i] !== i) differ++
    expect(differ).toBe(0)
    expect([ours[0x0001], ours[0x03ff], ours[0x0400], ours[0x7bff], ours[0xfc00]]).toEqual([
      2 ** -24,
      1023 * 2 ** -24,
      2 ** -14,
      65504,
      -Infinity
    ])
    expect(Object.is(ours[0x8000], -0)).toBe(true)
  })
})
