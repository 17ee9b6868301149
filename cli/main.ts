/** The `peer` executable: runs the CLI on process.argv and exits with its code. */
import { homedir } from 'node:os';
import { runCli } from './program';

runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  home: process.env.HOME ?? homedir(),
  cwd: process.cwd(),
  debug: process.env.PEER_DEBUG === '1',
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
    process.exitCode = 1;
  },
);
