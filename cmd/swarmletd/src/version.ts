/** The swarmlet release this daemon is. */
export const VERSION = '0.2.0';
