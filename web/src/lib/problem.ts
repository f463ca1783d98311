/** An RFC 9457 problem the API answered, with the field errors of a validation failure. */
export interface FieldError {
  pointer?: string;
  parameter?: string;
  header?: string;
  detail: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];
  readonly retryAfter: number | undefined;

  constructor(status: number, body: { title?: string; detail?: string; errors?: FieldError[] } | undefined, retryAfter?: number) {
    super(body?.detail ?? body?.title ?? `The request failed (${status}).`);
    this.status = status;
    this.title = body?.title ?? 'Something went wrong';
    this.detail = body?.detail ?? body?.title ?? `The request failed (${status}).`;
    this.errors = Array.isArray(body?.errors) ? body.errors : [];
    this.retryAfter = retryAfter;
  }

  /** The error of one body field: `#/shippingAddress/city` → `shippingAddress.city`. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const error of this.errors) {
      const key = error.pointer?.replace(/^#\/?/, '').replaceAll('/', '.') ?? error.parameter;
      if (key && !out[key]) out[key] = error.detail;
    }
    return out;
  }
}

/** What to tell a person about a failure, in plain words. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 429) return `Too many attempts. Try again in ${error.retryAfter ?? 60} seconds.`;
    if (error.status >= 500) return 'The shop is having trouble right now. Please try again in a moment.';
    return error.detail;
  }
  if (error instanceof TypeError) return 'We could not reach the shop. Check your connection and try again.';
  return 'Something went wrong. Please try again.';
}
