import { userInfo } from 'node:os';

/** audit_log.actor for changes made from the command line. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}
