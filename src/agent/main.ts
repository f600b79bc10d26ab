import { runAgent } from './agent-command';

/*
 * The entry of the standalone agent bundle (dist/ec2-failover-agent.js): a node needs only
 * Node.js to run it. The same command is `ec2-failover agent` in the full CLI.
 */
runAgent(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
