/** Exit code of `raku policy check` when the call is denied (0 allowed, 1 bad input, 2 internal fault). */
export const DENIED_EXIT_CODE = 3;

/** Exit code of `raku status` when a zone is unhealthy (1 stays "bad input"). */
export const UNHEALTHY_EXIT_CODE = 3;
