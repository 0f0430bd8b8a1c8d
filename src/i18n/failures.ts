/** A delivery failure as people read it: the cause in their language; the provider's own words for admins only. */
import type { Channel, FailureCause } from '../domain/types.js';
import type { Texts } from './ru.js';

export interface FailureView {
  channel: Channel;
  /** Absent for failures recorded before causes were kept: read as `other`. */
  cause?: FailureCause | undefined;
  /** The provider's (or server's) own words. */
  detail?: string | undefined;
  /** A temporary failure that became final after this many attempts. */
  gaveUpAfter?: number | undefined;
}

/** Causes whose words are our own, not a provider's: nothing to quote. */
const NO_ANSWER: ReadonlySet<FailureCause> = new Set(['config', 'gone']);

/**
 * `t`'s sentence for the failure's cause, with, when `withDetail` (admins: they may see addresses and act on
 * the provider's words), the provider's answer quoted after it.
 */
export function failureText(t: Texts, f: FailureView, withDetail: boolean): string {
  const cause = f.cause ?? 'other';
  let text = t.failureCause[cause](f.channel);
  if (f.gaveUpAfter !== undefined) text += t.failureGaveUp(f.gaveUpAfter);
  if (withDetail && f.detail && !NO_ANSWER.has(cause)) text += t.failureAnswer(f.detail);
  return text;
}
