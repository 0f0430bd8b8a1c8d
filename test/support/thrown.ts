import { UserError } from '../../src/domain/errors.js';

/** Runs `fn` and returns what it threw; fails when it did not throw. */
export async function thrown(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

/** The UserError `fn` throws: its code and params, what the bot turns into a message; fails when it throws none. */
export function refusal(fn: () => unknown): { code: string; params: Record<string, string | number> } {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { code: err.code, params: err.params };
  }
  throw new Error('expected a refusal');
}
