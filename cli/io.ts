// Where the CLI's commands print: stdout and stderr in the program, captured lines in the tests.

/** Where the commands print. */
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}
