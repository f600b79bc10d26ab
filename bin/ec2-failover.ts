import { main } from '../src/cli/main';

// The SDK warns on every run under Node 20 that its releases after January 2027 need Node 22;
// the CLI supports Node 20 (package.json engines), and that notice would land in every script's
// stderr. Set the variable to anything but "true" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
