/** Where a command writes: stdout and stderr by default, collected lines in tests. */
export interface CliIO {
  out: (line: string) => void
  err: (line: string) => void
  /** A line that replaces itself on a terminal (progress); null when stderr is not a TTY. */
  status: ((line: string) => void) | null
}

export const consoleIO: CliIO = {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  status: process.stderr.isTTY ? (l) => process.stderr.write(`\r\x1b[2K${l}`) : null
}

/** A bad flag or argument: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}
