/*
 * The one stop behaviour of every long-running process (agent, controller): SIGTERM (systemd stop,
 * reboot, patching) and SIGINT start a graceful stop (the agent's leave, the controller's lease
 * release). A repeated SIGTERM changes nothing (the stop is already under way); a second SIGINT is
 * someone at a terminal who means it: exit at once.
 */
export function processStopSignal(onForcedExit: () => void = () => process.exit(130)): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let interrupts = 0;
  const onTerm = () => controller.abort();
  const onInt = () => {
    interrupts += 1;
    if (interrupts > 1) onForcedExit();
    controller.abort();
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    },
  };
}
