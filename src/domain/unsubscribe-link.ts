/** Where the one-click unsubscribe page lives (with PUBLIC_URL): one place for the letters and the route. */

/** The route of the page, under PUBLIC_URL; the signed payload follows it. */
export const UNSUBSCRIBE_PATH = '/unsubscribe';

/** The page's address for a signed payload (SecretBox.unsubscribePayload), under `publicUrl`. */
export function webUnsubscribeUrl(publicUrl: string, payload: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${UNSUBSCRIBE_PATH}/${payload}`;
}
