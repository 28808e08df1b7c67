// Exporter self-check: runs a model package with onnxruntime-node the plain way (one session per
// graph, no cache) and compares with its reference.json. Not the engine; just proof that the
// ONNX files reproduce the PyTorch reference the exporter wrote.
//   node tools/check_package.mjs <package dir> [...more]
import fs from 'node:fs'
import path from 'node:path'
import ort from 'onnxruntime-node'

const IO = {
  Pattern_0: [['hidden_states', 'encoder_hidden_states'], ['hidden_states_out', 'encoder_hidden_states_out']],
  Pattern_1: [['hidden_states', 'encoder_hidden_states'], ['encoder_hidden_states_out', 'hidden_states_out']],
  Pattern_2: [['hidden_states', 'encoder_hidden_states'], ['hidden_states_out']],
  Pattern_3: [['hidden_states'], ['hidden_states_out']],
  Pattern_4: [['hidden_states'], ['hidden_states_out', 'encoder_hidden_states_out']],
  Pattern_5: [['hidden_states'], ['encoder_hidden_states_out', 'hidden_states_out']]
}

function tokenize(tok, text, maxLength) {
  const vocab = tok.model.vocab
  const words = text.toLowerCase().match(/\w+|[^\w\s]+/gu) ?? []
  const ids = words.map((w) => vocab[w] ?? vocab['[UNK]']).slice(0, maxLength)
  while (ids.length < maxLength) ids.push(vocab['[PAD]'])
  return ids
}

async function check(dir) {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'))
  const ref = JSON.parse(fs.readFileSync(path.join(dir, m.reference.file), 'utf8'))
  const opts = { intraOpNumThreads: 1 }
  const sess = {}
  const load = async (f) => (sess[f] ??= await ort.InferenceSession.create(path.join(dir, f), opts))
  const tok = JSON.parse(fs.readFileSync(path.join(dir, m.tokenizer.file), 'utf8'))
  const L = m.tokenizer.maxLength
  const te = await load(m.textEncoder.file)
  const enc = async (text) => {
    const ids = BigInt64Array.from(tokenize(tok, text, L).map(BigInt))
    return (await te.run({ input_ids: new ort.Tensor('int64', ids, [1, L]) })).text_hidden
  }
  const thC = await enc(ref.prompt)
  const thU = await enc(ref.negativePrompt)
  const shape = ref.latentShape
  let x = Float32Array.from(ref.noise)
  const steps = ref.steps
  const sig = []
  for (let i = 0; i < steps; i++) {
    const s = 1 - i / steps
    sig.push((m.scheduler.shift * s) / (1 + (m.scheduler.shift - 1) * s))
  }
  sig.push(0)
  const call = async (tr, lat, t, th, b) => {
    const emb = await (await load(tr.embed.file)).run({
      latent: new ort.Tensor('float32', lat, [b, ...shape.slice(1)]),
      timestep: new ort.Tensor('float32', new Float32Array(b).fill(t), [b]),
      text_hidden: th
    })
    const ctx = { ...emb }
    let h = emb.hidden_states
    let e = emb.encoder_hidden_states
    for (const list of tr.blockLists) {
      const [ins, outs] = IO[list.pattern]
      for (const f of list.blocks) {
        const s = await load(f)
        const feeds = {}
        for (const n of s.inputNames) feeds[n] = n === 'hidden_states' ? h : n === 'encoder_hidden_states' ? e : ctx[n]
        const o = await s.run(feeds)
        h = o.hidden_states_out
        if (outs.includes('encoder_hidden_states_out')) e = o.encoder_hidden_states_out
      }
    }
    const fs_ = await load(tr.final.file)
    const feeds = {}
    for (const n of fs_.inputNames) feeds[n] = n === 'hidden_states' ? h : ctx[n]
    return (await fs_.run(feeds)).velocity.data
  }
  const g = ref.guidanceScale
  for (let i = 0; i < steps; i++) {
    const tr = m.transformers.find((t) => t.timestepRange[0] <= sig[i] && sig[i] <= t.timestepRange[1])
    let v
    if (ref.separateCfg) {
      const vc = await call(tr, x, sig[i], thC, 1)
      const vu = await call(tr, x, sig[i], thU, 1)
      v = vc.map((c, j) => vu[j] + g * (c - vu[j]))
    } else {
      const n = x.length
      const lat = new Float32Array(2 * n)
      lat.set(x, 0)
      lat.set(x, n)
      const th = new Float32Array(2 * thC.data.length)
      th.set(thC.data, 0)
      th.set(thU.data, thC.data.length)
      const vv = await call(tr, lat, sig[i], new ort.Tensor('float32', th, [2, ...thC.dims.slice(1)]), 2)
      v = new Float32Array(n).map((_, j) => vv[n + j] + g * (vv[j] - vv[n + j]))
    }
    const dt = sig[i + 1] - sig[i]
    x = x.map((xi, j) => xi + dt * v[j])
  }
  const maxDiff = (a, b) => a.reduce((mx, ai, j) => Math.max(mx, Math.abs(ai - b[j])), 0)
  let msg = `${m.id}: latent max|diff| ${maxDiff(x, ref.latentOut).toExponential(2)}`
  if (m.decoder && ref.image) {
    const d = await load(m.decoder.file)
    const img = (await d.run({ latent: new ort.Tensor('float32', x, shape) })).image.data
    msg += `, image max|diff| ${maxDiff(img, ref.image).toExponential(2)}`
  }
  console.log(msg)
}

for (const dir of process.argv.slice(2)) await check(dir)
