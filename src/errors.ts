/** Codes of AttnflowError. */
export type ErrorCode =
  | 'invalid_shape'
  | 'non_finite'
  | 'invalid_value'
  | 'invalid_option'
  | 'too_large'
  | 'backend_unavailable'
  | 'not_initialized'
  | 'disposed';

/**
 * Every error attnflow throws for bad input. `path` names the offending field
 * (e.g. `heads[1].key`, `tokens[3][0]`); thrown before any work starts.
 */
export class AttnflowError extends Error {
  readonly code: ErrorCode;
  readonly path: string;

  constructor(code: ErrorCode, path: string, message: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'AttnflowError';
    this.code = code;
    this.path = path;
  }
}
