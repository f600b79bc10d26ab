import { version } from '../../package.json';

/** Reported in every heartbeat, so an operator sees which agents still run an old build. */
export const AGENT_VERSION: string = version;
