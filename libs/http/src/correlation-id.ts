/** What a client's X-Correlation-Id may be; anything else is refused on commands and replaced on other answers. */
export const CORRELATION_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
