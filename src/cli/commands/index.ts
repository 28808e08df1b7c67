import type { CliIO } from '../io'
import { benchCommand } from './bench'
import { benchSegmentsCommand } from './bench-segments'
import { calibrateCommand } from './calibrate'
import { evaluateCommand } from './evaluate'
import { generateCommand } from './generate'
import { importCommand } from './import'
import { inspectCommand } from './inspect'
import { replayCommand } from './replay'
import { serveCommand } from './serve'
import { summaryCommand } from './summary'
import { tuneThreadsCommand } from './tune-threads'
import { workerCommand } from './worker'

/** Every `studio` subcommand: one file each; add yours here. */
export interface Command {
  summary: string
  run: (argv: readonly string[], io?: CliIO) => Promise<number>
}

export const COMMANDS: Record<string, Command> = {
  generate: { summary: 'generate an image or video from a prompt', run: generateCommand },
  import: {
    summary: 'import an ONNX diffusers folder (FLUX) as a model package, weights left in place',
    run: importCommand
  },
  inspect: { summary: "show a model's blocks, patterns, parameters and files", run: inspectCommand },
  bench: {
    summary: 'speed and fidelity of every cache preset, vs none and vs PyTorch (--ci: check ratios)',
    run: benchCommand
  },
  evaluate: {
    summary: "score a model's prompt adherence on training and held-out captions (--grid: see them)",
    run: evaluateCommand
  },
  calibrate: {
    summary: 'find the largest cache threshold that keeps a PSNR target; save it as a preset',
    run: calibrateCommand
  },
  'tune-threads': {
    summary: "time a model's thread layouts on this machine; store the fastest for the engine to load with",
    run: tuneThreadsCommand
  },
  'bench-segments': {
    summary: 'time per step: segments vs blocks one by one vs one graph',
    run: benchSegmentsCommand
  },
  replay: {
    summary:
      'replay a diffusers/CacheDiT golden through the engine and compare (latents, image, cached steps)',
    run: replayCommand
  },
  summary: {
    summary: "print the cache summary of a saved output's trace",
    run: (argv, io) => summaryCommand(argv, io)
  },
  serve: { summary: "the engine as an HTTP server (OpenAI's Images API, job events)", run: serveCommand },
  worker: {
    summary: 'a render-farm worker taking jobs from a Redis queue (serve --queue)',
    run: workerCommand
  }
}
