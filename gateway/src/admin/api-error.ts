/** The admin API's error: answered as `{ error: { code, message } }` with `status` by the router's handler. */
import type { Checked } from './request-validation.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Extra fields of the error object (e.g. `diagnostics` of a rejected config change). */
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The checked value, or a 400 `bad_request` naming the parameter or field. */
export function value<T>(checked: Checked<T>): T {
  if (!checked.ok) throw new ApiError(400, 'bad_request', checked.message);
  return checked.value;
}
